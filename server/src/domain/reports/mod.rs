//! Reports about a match partner: only one of the two people of a match may report the other;
//! the text is checked, the image checked by its content and kept by its hash.

pub mod image;

use crate::db::reports::{NewReport, ReportImage, ReportRecord};
use crate::db::{Db, DbError};
use crate::model::report::{ReportCategory, MAX_CONTENT_CHARS};
use image::ImageError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use storage::profile::clean_text;
use storage::{FieldError, UserId};

/// What a student sends.
pub struct ReportDraft {
    pub match_id: u64,
    pub category: ReportCategory,
    pub content: String,
    pub image: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No such match, or the reporter is not one of its two people.
    #[error("no such match")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Where report images live under the data directory.
pub fn images_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("report-images")
}

/// Files `reporter`'s report about their partner in `draft.match_id`.
pub async fn create(
    db: &Arc<Db>,
    data_dir: &Path,
    reporter: UserId,
    draft: ReportDraft,
) -> Result<ReportRecord, ReportError> {
    let content = clean_text(&draft.content, "CONTENT", 1, MAX_CONTENT_CHARS)?;
    let record = db
        .match_record(draft.match_id)?
        .ok_or(ReportError::NotFound)?;
    let reported = if record.requester == reporter {
        record.partner
    } else if record.partner == reporter {
        record.requester
    } else {
        return Err(ReportError::NotFound);
    };
    let checked = match draft.image {
        Some(bytes) => Some(blocking(move || image::check(&bytes).map(|c| (c, bytes))).await?),
        None => None,
    };
    // Refused before the image is kept, so a repeat leaves no picture behind (the transaction
    // checks again: two racing reports still make one).
    if db.has_open_report(draft.match_id, reporter)? {
        return Err(DbError::ReportOpen.into());
    }
    let image = match checked {
        Some((checked, bytes)) => {
            let dir = images_dir(data_dir);
            let kept = ReportImage {
                sha256: checked.sha256.clone(),
                content_type: checked.content_type.to_owned(),
            };
            blocking(move || image::store(&dir, &checked, &bytes)).await?;
            Some(kept)
        }
        None => None,
    };
    let new = NewReport {
        match_id: draft.match_id,
        reporter,
        reported,
        category: draft.category,
        content,
        image,
    };
    Ok(db.create_report(new).await?)
}

/// Runs image work off the async threads (decoding takes milliseconds).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ImageError> + Send + 'static,
) -> Result<T, ReportError> {
    let done = tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ImageError::Store(std::io::Error::other(e)))??;
    Ok(done)
}
