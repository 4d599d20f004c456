//! The feature table as CSV for model training, streamed row by row.
//!
//! The first seven columns are the earlier system's (`uuid,age,contactFrequency,gender,hobby,
//! major,mbti`); ours follow. No names, emails or contacts are in the table, so none can leak.

use crate::columnar::{status, FeatureTable};
use crate::profile::HobbyCategory;
use std::io::Write;

/// The header row.
pub const HEADER: [&str; 11] = [
    "uuid",
    "age",
    "contactFrequency",
    "gender",
    "hobby",
    "major",
    "mbti",
    "birthYear",
    "hobbyMask",
    "pickable",
    "version",
];

/// Prefixes a cell that a spreadsheet would run as a formula.
pub fn escape_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn hobby_categories(mask: u8, out: &mut String) {
    out.clear();
    for category in HobbyCategory::ALL {
        if mask & category.bit() != 0 {
            if !out.is_empty() {
                out.push('|');
            }
            out.push_str(category.as_str());
        }
    }
}

/// Writes every present (not withdrawn) row of `table` to `out`; returns the rows written.
pub fn export<W: Write>(table: &FeatureTable, out: W, current_year: i32) -> csv::Result<u64> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    let (mut hobbies, mut mbti) = (String::new(), String::new());
    let mut rows = 0u64;
    for index in 0..table.len() {
        let row = table.row(index);
        if row.status == status::REMOVED {
            continue;
        }
        hobby_categories(row.hobby_mask, &mut hobbies);
        mbti.clear();
        std::fmt::Write::write_fmt(&mut mbti, format_args!("{}", row.mbti))
            .expect("writing to a String");
        let age = current_year - i32::from(row.birth_year);
        writer.write_record([
            row.id.0.to_string().as_str(),
            age.to_string().as_str(),
            row.contact_frequency.as_str(),
            row.gender.as_str(),
            &hobbies,
            &escape_formula(row.major),
            &mbti,
            row.birth_year.to_string().as_str(),
            row.hobby_mask.to_string().as_str(),
            if row.status == status::PICKABLE {
                "true"
            } else {
                "false"
            },
            row.version.to_string().as_str(),
        ])?;
        rows += 1;
    }
    writer.flush()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Features, UserEvent, UserRemoved, UserUpserted};
    use crate::profile::{ContactFrequency, Gender, Mbti};
    use crate::UserId;

    fn upsert(id: u64, major: &str) -> UserEvent {
        UserEvent::Upserted(UserUpserted {
            user_id: UserId(id),
            version: 1,
            features: Features {
                gender: Gender::Female,
                birth_year: 2004,
                mbti: Mbti::parse("ISTP").unwrap(),
                hobby_mask: HobbyCategory::Music.bit() | HobbyCategory::Game.bit(),
                contact_frequency: ContactFrequency::Frequent,
                major: major.into(),
                pickable: true,
            },
        })
    }

    #[test]
    fn writes_header_rows_and_skips_withdrawn_users() {
        let mut table = FeatureTable::new();
        table.apply(&upsert(1, "경영학과"));
        table.apply(&upsert(2, "=HYPERLINK(\"x\")"));
        table.apply(&upsert(3, "수학과"));
        table.apply(&UserEvent::Removed(UserRemoved {
            user_id: UserId(3),
            version: 2,
        }));
        let mut out = Vec::new();
        assert_eq!(export(&table, &mut out, 2026).unwrap(), 2);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "uuid,age,contactFrequency,gender,hobby,major,mbti,birthYear,hobbyMask,pickable,version"
        );
        assert_eq!(
            lines[1],
            "1,22,FREQUENT,FEMALE,MUSIC|GAME,경영학과,ISTP,2004,36,true,1"
        );
        assert!(lines[2].contains("'=HYPERLINK"), "{}", lines[2]);
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn escapes_every_formula_prefix() {
        for cell in ["=1", "+1", "-1", "@SUM(A1)"] {
            assert!(escape_formula(cell).starts_with('\''));
        }
        assert_eq!(escape_formula("컴퓨터"), "컴퓨터");
    }
}
