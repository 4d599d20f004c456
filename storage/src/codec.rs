//! The one codec for everything that crosses NATS: a format-version byte, a message-kind
//! byte, then bincode. Garbage, truncation and unknown versions are errors, never panics.

use crate::events::UserEvent;
use crate::matching::{MatchReply, MatchRequest};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The wire format version written first in every message.
pub const WIRE_VERSION: u8 = 1;
/// The largest message we encode or accept (bounds allocations while decoding garbage).
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

type Config = bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<MAX_MESSAGE_BYTES>,
>;

fn config() -> Config {
    bincode::config::standard().with_limit::<MAX_MESSAGE_BYTES>()
}

/// A message type that crosses the broker, with its own kind byte.
pub trait WireMessage: Serialize + DeserializeOwned {
    const KIND: u8;
}

impl WireMessage for UserEvent {
    const KIND: u8 = 1;
}
impl WireMessage for MatchRequest {
    const KIND: u8 = 2;
}
impl WireMessage for MatchReply {
    const KIND: u8 = 3;
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("message is empty or shorter than its header")]
    Truncated,
    #[error("unknown wire format version {0} (this build reads version {WIRE_VERSION})")]
    UnknownVersion(u8),
    #[error("message kind {found} where kind {expected} was expected")]
    WrongKind { expected: u8, found: u8 },
    #[error("message is larger than {MAX_MESSAGE_BYTES} bytes")]
    TooLarge,
    #[error("message body does not decode: {0}")]
    Malformed(String),
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
}

/// Encodes `value` with its header.
pub fn encode<T: WireMessage>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![WIRE_VERSION, T::KIND];
    bincode::serde::encode_into_std_write(value, &mut out, config())
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if out.len() > MAX_MESSAGE_BYTES {
        return Err(CodecError::TooLarge);
    }
    Ok(out)
}

/// Decodes a message written by [`encode`].
pub fn decode<T: WireMessage>(bytes: &[u8]) -> Result<T, CodecError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(CodecError::TooLarge);
    }
    let [version, kind, body @ ..] = bytes else {
        return Err(CodecError::Truncated);
    };
    if *version != WIRE_VERSION {
        return Err(CodecError::UnknownVersion(*version));
    }
    if *kind != T::KIND {
        return Err(CodecError::WrongKind {
            expected: T::KIND,
            found: *kind,
        });
    }
    let (value, read) = bincode::serde::decode_from_slice(body, config())
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if read != body.len() {
        return Err(CodecError::TrailingBytes(body.len() - read));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Features, UserRemoved, UserUpserted};
    use crate::options::MatchOptions;
    use crate::profile::{ContactFrequency, Gender, Mbti};
    use crate::UserId;
    use proptest::prelude::*;

    fn upsert() -> UserEvent {
        UserEvent::Upserted(UserUpserted {
            user_id: UserId(7),
            version: 3,
            features: Features {
                gender: Gender::Female,
                birth_year: 2003,
                mbti: Mbti::parse("INTJ").unwrap(),
                hobby_mask: 0b101,
                contact_frequency: ContactFrequency::Rare,
                major: "컴퓨터공학과".into(),
                pickable: true,
            },
        })
    }

    #[test]
    fn every_message_type_round_trips() {
        for event in [
            upsert(),
            UserEvent::Removed(UserRemoved {
                user_id: UserId(1),
                version: 9,
            }),
        ] {
            assert_eq!(
                decode::<UserEvent>(&encode(&event).unwrap()).unwrap(),
                event
            );
        }
        let UserEvent::Upserted(up) = upsert() else {
            unreachable!()
        };
        let request = MatchRequest {
            request_id: 42,
            requester_id: UserId(5),
            requester: up.features,
            options: MatchOptions::default(),
            exclude: vec![UserId(1), UserId(2)],
            seed: 99,
        };
        assert_eq!(
            decode::<MatchRequest>(&encode(&request).unwrap()).unwrap(),
            request
        );
        let reply = MatchReply::Matched {
            candidate: UserId(8),
            important_applied: true,
        };
        assert_eq!(
            decode::<MatchReply>(&encode(&reply).unwrap()).unwrap(),
            reply
        );
    }

    #[test]
    fn header_problems_are_errors() {
        let bytes = encode(&upsert()).unwrap();
        assert_eq!(decode::<UserEvent>(&[]), Err(CodecError::Truncated));
        let mut wrong_version = bytes.clone();
        wrong_version[0] = 2;
        assert_eq!(
            decode::<UserEvent>(&wrong_version),
            Err(CodecError::UnknownVersion(2))
        );
        assert!(matches!(
            decode::<MatchReply>(&bytes),
            Err(CodecError::WrongKind { .. })
        ));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(
            decode::<UserEvent>(&trailing),
            Err(CodecError::TrailingBytes(1))
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = encode(&upsert()).unwrap();
        for len in 0..bytes.len() {
            assert!(decode::<UserEvent>(&bytes[..len]).is_err(), "length {len}");
        }
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode::<UserEvent>(&bytes);
            let _ = decode::<MatchRequest>(&bytes);
            let _ = decode::<MatchReply>(&bytes);
        }

        #[test]
        fn bit_flips_never_panic(position in 0usize..64, bit in 0u8..8) {
            let mut bytes = encode(&upsert()).unwrap();
            let i = position % bytes.len();
            bytes[i] ^= 1 << bit;
            let _ = decode::<UserEvent>(&bytes);
        }
    }
}
