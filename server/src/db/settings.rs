//! What admins set for the whole service, one record a key of the `settings` tree: where
//! students send money, the promotion, the discount schedule.

use super::{decode, encode, Db, DbResult, TxResult};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;

const PAYMENT_INFO: &[u8] = b"payment_info";
pub(super) const PROMO: &[u8] = b"promo";
pub(super) const DISCOUNTS: &[u8] = b"discounts";

/// Where students send money for a charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentInfo {
    pub bank: String,
    pub account_number: String,
    pub holder: String,
    pub note: String,
}

/// The one-time top-up: `amount` points for a student whose balance is under `below`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PromoConfig {
    pub active: bool,
    pub amount: u64,
    pub below: u64,
}

/// Reads the setting under `key` inside a transaction.
pub(super) fn read_in<T: DeserializeOwned>(
    settings: &TransactionalTree,
    key: &'static [u8],
) -> TxResult<Option<T>> {
    settings
        .get(key)?
        .map(|bytes| decode("settings", key, &bytes).map_err(super::abort))
        .transpose()
}

impl Db {
    pub(super) fn setting<T: DeserializeOwned>(&self, key: &'static [u8]) -> DbResult<Option<T>> {
        self.settings
            .get(key)?
            .map(|bytes| decode("settings", key, &bytes))
            .transpose()
    }

    pub(super) async fn put_setting<T: Serialize + Send + 'static>(
        &self,
        key: &'static [u8],
        value: T,
    ) -> DbResult<()> {
        let bytes = encode(&value);
        self.write(move |tx| {
            tx.settings.insert(key, bytes.clone())?;
            Ok(())
        })
        .await
    }

    pub fn payment_info(&self) -> DbResult<Option<PaymentInfo>> {
        self.setting(PAYMENT_INFO)
    }

    pub async fn set_payment_info(&self, info: PaymentInfo) -> DbResult<()> {
        self.put_setting(PAYMENT_INFO, info).await
    }

    pub fn promo(&self) -> DbResult<PromoConfig> {
        Ok(self.setting(PROMO)?.unwrap_or_default())
    }

    pub async fn set_promo(&self, promo: PromoConfig) -> DbResult<()> {
        self.put_setting(PROMO, promo).await
    }
}
