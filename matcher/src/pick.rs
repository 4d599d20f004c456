//! Choosing a candidate: the pool rule of DESIGN.md and a seeded uniform pick from it.

use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use storage::columnar::{status, FeatureTable};
use storage::matching::{MatchReply, MatchRequest, MAX_EXCLUDED};

/// Everyone who may be picked for `request`: opposite gender, not the requester, pickable,
/// not excluded, and not the requester's major when that is asked.
fn in_pool<'a>(
    table: &'a FeatureTable,
    request: &MatchRequest,
    excluded: &'a HashSet<usize>,
) -> impl Fn(usize) -> bool + 'a {
    let columns = table.columns();
    let wanted_gender = request.requester.gender.opposite().code();
    let own_row = table.row_index(request.requester_id);
    let own_major = request
        .options
        .exclude_same_major
        .then(|| table.major_code(&request.requester.major))
        .flatten();
    move |row| {
        columns.status[row] == status::PICKABLE
            && columns.gender[row] == wanted_gender
            && Some(row) != own_row
            && !excluded.contains(&row)
            && own_major.is_none_or(|major| columns.major[row] != major)
    }
}

/// Picks uniformly at random (seeded by the request) from the pool.
pub fn pick(table: &FeatureTable, request: &MatchRequest) -> MatchReply {
    if request.exclude.len() > MAX_EXCLUDED {
        return MatchReply::Refused {
            reason: format!("more than {MAX_EXCLUDED} excluded ids"),
        };
    }
    let excluded: HashSet<usize> = request
        .exclude
        .iter()
        .filter_map(|&id| table.row_index(id))
        .collect();
    let pool = in_pool(table, request, &excluded);
    let size = (0..table.len()).filter(|&row| pool(row)).count();
    if size == 0 {
        return MatchReply::NoCandidate;
    }
    let chosen = rand::rngs::StdRng::seed_from_u64(request.seed).random_range(0..size);
    let row = (0..table.len())
        .filter(|&row| pool(row))
        .nth(chosen)
        .expect("chosen < pool size");
    MatchReply::Matched {
        candidate: table.row(row).id,
        important_applied: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::events::{Features, UserEvent, UserUpserted};
    use storage::options::MatchOptions;
    use storage::profile::{ContactFrequency, Gender, Mbti};
    use storage::UserId;

    fn features(gender: Gender, major: &str, pickable: bool) -> Features {
        Features {
            gender,
            birth_year: 2002,
            mbti: Mbti::parse("ENFP").unwrap(),
            hobby_mask: 1,
            contact_frequency: ContactFrequency::Normal,
            major: major.into(),
            pickable,
        }
    }

    fn table(rows: &[(u64, Gender, &str, bool)]) -> FeatureTable {
        let mut table = FeatureTable::new();
        for &(id, gender, major, pickable) in rows {
            table.apply(&UserEvent::Upserted(UserUpserted {
                user_id: UserId(id),
                version: 1,
                features: features(gender, major, pickable),
            }));
        }
        table
    }

    fn request(id: u64, exclude: &[u64], exclude_same_major: bool, seed: u64) -> MatchRequest {
        MatchRequest {
            request_id: 1,
            requester_id: UserId(id),
            requester: features(Gender::Male, "수학과", true),
            options: MatchOptions {
                exclude_same_major,
                ..Default::default()
            },
            exclude: exclude.iter().map(|&i| UserId(i)).collect(),
            seed,
        }
    }

    fn picked(reply: MatchReply) -> Option<u64> {
        match reply {
            MatchReply::Matched { candidate, .. } => Some(candidate.0),
            _ => None,
        }
    }

    #[test]
    fn only_the_pool_is_ever_picked() {
        let table = table(&[
            (1, Gender::Male, "수학과", true),
            (2, Gender::Male, "영문과", true),
            (3, Gender::Female, "영문과", false),
            (4, Gender::Female, "수학과", true),
            (5, Gender::Female, "영문과", true),
            (6, Gender::Female, "화학과", true),
        ]);
        for seed in 0..200 {
            let id = picked(pick(&table, &request(1, &[6], true, seed))).unwrap();
            assert_eq!(id, 5, "seed {seed}");
            let id = picked(pick(&table, &request(1, &[], false, seed))).unwrap();
            assert!([4, 5, 6].contains(&id));
        }
    }

    #[test]
    fn empty_pool_is_no_candidate() {
        let table = table(&[
            (1, Gender::Male, "수학과", true),
            (2, Gender::Female, "a", false),
        ]);
        assert_eq!(
            pick(&table, &request(1, &[], false, 7)),
            MatchReply::NoCandidate
        );
    }

    #[test]
    fn the_seed_repeats_the_pick_and_every_candidate_gets_picked() {
        let table = table(&[
            (1, Gender::Female, "a", true),
            (2, Gender::Female, "b", true),
            (3, Gender::Female, "c", true),
        ]);
        let mut seen = HashSet::new();
        for seed in 0..100 {
            let first = pick(&table, &request(9, &[], false, seed));
            assert_eq!(first, pick(&table, &request(9, &[], false, seed)));
            seen.insert(picked(first).unwrap());
        }
        assert_eq!(seen.len(), 3);
    }
}
