//! Booth codes: a student shows a short-lived code (as a QR code) and the operator takes cash
//! against it. Codes are stored by their SHA-256 only, one live code per student, used for
//! one booth charge. A booth charge is a charge approved on the spot: a `CHARGE` entry that
//! refers to a charge record, so the audit's one-credit-per-charge rule covers it, and the
//! operator's `Idempotency-Key` is saved with it, so a retry answers the same and credits
//! nothing more.

use super::charges::{credit_in, ChargeRecord, ChargeStatus};
use super::ops_audit::{self, Actor, OpsAction};
use super::points::account_in;
use super::{abort, decode, encode, now_ms, pair_key, Db, DbError, DbResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use storage::UserId;

/// How long a booth code is valid.
pub const BOOTH_CODE_TTL_MS: i64 = 600 * 1000;
/// The depositor name booth charges are recorded with.
pub const BOOTH_DEPOSITOR: &str = "부스 현금";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoothCode {
    pub user: UserId,
    pub expires_at_ms: i64,
    pub used: bool,
}

impl BoothCode {
    fn valid_at(&self, now_ms: i64) -> bool {
        !self.used && now_ms < self.expires_at_ms
    }
}

/// What a booth charge answered, kept under the operator's key.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct BoothCharged {
    pub charge_id: u64,
    pub user: UserId,
    pub balance: u64,
}

/// A booth charge to make.
pub struct BoothCharge {
    pub operator: UserId,
    pub amount: u64,
    pub idempotency_key: String,
}

fn code_key(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}

fn replay_key(operator: UserId, key: &str) -> Vec<u8> {
    let mut bytes = operator.to_be_bytes().to_vec();
    bytes.extend_from_slice(key.as_bytes());
    bytes
}

impl Db {
    /// Makes `code` `user`'s booth code for [`BOOTH_CODE_TTL_MS`], replacing their previous one.
    pub async fn create_booth_code(&self, user: UserId, code: &str) -> DbResult<BoothCode> {
        let key = code_key(code);
        let record = BoothCode {
            user,
            expires_at_ms: now_ms() + BOOTH_CODE_TTL_MS,
            used: false,
        };
        self.write(move |tx| {
            if let Some(previous) = tx.booth_by_user.insert(&user.to_be_bytes(), &key)? {
                tx.booth_codes.remove(previous)?;
            }
            tx.booth_codes.insert(&key, encode(&record))?;
            Ok(record.clone())
        })
        .await
    }

    /// The valid (unexpired, unused) booth code `code`, if any.
    pub fn booth_code(&self, code: &str) -> DbResult<Option<BoothCode>> {
        let key = code_key(code);
        let Some(bytes) = self.booth_codes.get(key)? else {
            return Ok(None);
        };
        let record: BoothCode = decode("booth_codes", &key, &bytes)?;
        Ok(record.valid_at(now_ms()).then_some(record))
    }

    /// Takes cash against `code`: credits once, uses the code, records it for the operator.
    pub async fn booth_charge(&self, code: &str, charge: BoothCharge) -> DbResult<BoothCharged> {
        let key = code_key(code);
        let charge_id = self.generate_id()?;
        self.write(move |tx| {
            let replay = replay_key(charge.operator, &charge.idempotency_key);
            if let Some(bytes) = tx.booth_replies.get(&replay)? {
                return decode("booth_replies", &replay, &bytes).map_err(abort);
            }
            let mut booth: BoothCode = match tx.booth_codes.get(key)? {
                Some(bytes) => decode("booth_codes", &key, &bytes).map_err(abort)?,
                None => return Err(abort(DbError::NotFound("booth code"))),
            };
            if !booth.valid_at(now_ms()) {
                return Err(abort(DbError::NotFound("booth code")));
            }
            let record = ChargeRecord {
                id: charge_id,
                user_id: booth.user,
                amount: charge.amount,
                depositor_name: BOOTH_DEPOSITOR.to_owned(),
                status: ChargeStatus::Approved,
                at_ms: now_ms(),
                decided_at_ms: Some(now_ms()),
                decided_by: Some(charge.operator),
            };
            tx.charges
                .insert(&charge_id.to_be_bytes(), encode(&record))?;
            tx.user_charges
                .insert(&pair_key(booth.user.0, charge_id), &[])?;
            credit_in(tx, &record)?;
            let detail = Some(format!("user {} · {} points", booth.user, charge.amount));
            let actor = Actor(charge.operator);
            let target = charge_id.to_string();
            ops_audit::record_in(
                tx.ops_audit,
                actor,
                OpsAction::BoothCharge,
                target,
                None,
                detail,
            )?;
            booth.used = true;
            tx.booth_codes.insert(&key, encode(&booth))?;
            let charged = BoothCharged {
                charge_id,
                user: booth.user,
                balance: account_in(tx.accounts, booth.user)?.balance,
            };
            tx.booth_replies.insert(replay, encode(&charged))?;
            Ok(charged)
        })
        .await
    }
}
