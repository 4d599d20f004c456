//! What a match costs: base, plus surcharges for excluding one's major and for an important
//! option (refunded when nobody passed the important option).

use crate::config::Config;
use storage::options::MatchOptions;

/// A match's price: before and after the running discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    pub list: u64,
    pub charged: u64,
    /// 0 when no discount runs.
    pub discount_percent: u8,
}

/// `amount` less `percent` %, rounded down to a whole point.
fn discounted(amount: u64, percent: u8) -> u64 {
    assert!(percent < 100, "discounts are at most 40 %");
    amount * u64::from(100 - percent) / 100
}

fn list_price(config: &Config, options: &MatchOptions) -> u64 {
    let mut price = config.price_base;
    if options.exclude_same_major {
        price += config.price_exclude_same_major;
    }
    if options.important.is_some() {
        price += config.price_important_option;
    }
    price
}

/// What `options` cost now, with `discount_percent` (the running discount, if any) applied to
/// the whole price.
pub fn price(config: &Config, options: &MatchOptions, discount_percent: Option<u8>) -> Price {
    let list = list_price(config, options);
    let percent = discount_percent.unwrap_or(0);
    Price {
        list,
        charged: discounted(list, percent),
        discount_percent: percent,
    }
}

/// What comes back when the matcher could not apply the important option: the difference
/// the option made to the price actually charged, so the student pays exactly what a request
/// without it would have cost.
pub fn refund(
    config: &Config,
    options: &MatchOptions,
    important_applied: bool,
    discount_percent: Option<u8>,
) -> u64 {
    if options.important.is_none() || important_applied {
        return 0;
    }
    let without = MatchOptions {
        important: None,
        ..options.clone()
    };
    let charged = |o| price(config, o, discount_percent).charged;
    charged(options) - charged(&without)
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::options::{AgePreference, ImportantOption};

    #[test]
    fn prices_add_up_and_only_an_unapplied_important_option_is_refunded() {
        let config = Config::new(std::path::Path::new("."), "nats://x");
        let mut options = MatchOptions::default();
        let charged = |o: &MatchOptions, d| price(&config, o, d).charged;
        assert_eq!(charged(&options, None), 1_000);
        options.exclude_same_major = true;
        assert_eq!(charged(&options, None), 1_200);
        options.age = Some(AgePreference::Older);
        options.important = Some(ImportantOption::Age);
        assert_eq!(charged(&options, None), 1_500);
        assert_eq!(refund(&config, &options, true, None), 0);
        assert_eq!(refund(&config, &options, false, None), 300);
        options.important = None;
        assert_eq!(refund(&config, &options, false, None), 0);
    }

    #[test]
    fn a_discount_applies_to_the_whole_price_and_to_the_refund() {
        let config = Config::new(std::path::Path::new("."), "nats://x");
        let options = MatchOptions {
            exclude_same_major: true,
            age: Some(AgePreference::Older),
            important: Some(ImportantOption::Age),
            ..MatchOptions::default()
        };
        let quoted = price(&config, &options, Some(20));
        assert_eq!(
            (quoted.list, quoted.charged, quoted.discount_percent),
            (1_500, 1_200, 20)
        );
        let refund = refund(&config, &options, false, Some(20));
        assert_eq!(refund, 240);
        let without = MatchOptions {
            important: None,
            ..options
        };
        assert_eq!(
            quoted.charged - refund,
            price(&config, &without, Some(20)).charged
        );
        assert_eq!(
            price(&config, &MatchOptions::default(), Some(33)).charged,
            670
        );
    }
}
