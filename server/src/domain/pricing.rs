//! What a match costs: base, plus surcharges for excluding one's major and for an important
//! option (refunded when nobody passed the important option).

use crate::config::Config;
use storage::options::MatchOptions;

pub fn price(config: &Config, options: &MatchOptions) -> u64 {
    let mut price = config.price_base;
    if options.exclude_same_major {
        price += config.price_exclude_same_major;
    }
    if options.important.is_some() {
        price += config.price_important_option;
    }
    price
}

/// What comes back when the matcher could not apply the important option.
pub fn refund(config: &Config, options: &MatchOptions, important_applied: bool) -> u64 {
    if options.important.is_some() && !important_applied {
        config.price_important_option
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::options::{AgePreference, ImportantOption};

    #[test]
    fn prices_add_up_and_only_an_unapplied_important_option_is_refunded() {
        let config = Config::new(std::path::Path::new("."), "nats://x");
        let mut options = MatchOptions::default();
        assert_eq!(price(&config, &options), 1_000);
        options.exclude_same_major = true;
        assert_eq!(price(&config, &options), 1_200);
        options.age = Some(AgePreference::Older);
        options.important = Some(ImportantOption::Age);
        assert_eq!(price(&config, &options), 1_500);
        assert_eq!(refund(&config, &options, true), 0);
        assert_eq!(refund(&config, &options, false), 300);
        options.important = None;
        assert_eq!(refund(&config, &options, false), 0);
    }
}
