//! What the index holds for one user.

use crate::db::users::UserRecord;
use crate::db::{Db, DbResult};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED,
};
use tantivy::TantivyDocument;

/// The n-gram analyzer's name.
pub const NGRAM: &str = "ngram23";
/// The exact (whole value, lower-cased) analyzer's name.
pub const EXACT: &str = "exact_lower";

#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub text: Field,
    pub exact: Field,
}

pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let analyzed = |name: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(name)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let fields = Fields {
        id: builder.add_u64_field("id", INDEXED | STORED | FAST),
        text: builder.add_text_field("text", analyzed(NGRAM)),
        exact: builder.add_text_field("exact", analyzed(EXACT)),
    };
    (builder.build(), fields)
}

/// The searchable values of `user`: nickname, email, depositor names, contact id, major.
pub fn document(db: &Db, user: &UserRecord, fields: Fields) -> DbResult<TantivyDocument> {
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.id, user.id.0);
    let mut values = vec![
        user.nickname.clone(),
        user.email.clone(),
        user.id.to_string(),
    ];
    if let Some(profile) = &user.profile {
        values.push(profile.contact.id.clone());
        values.push(profile.major.as_str().to_owned());
    }
    for charge in db.charges_of(user.id)? {
        if !values.contains(&charge.depositor_name) {
            values.push(charge.depositor_name);
        }
    }
    for value in &values {
        doc.add_text(fields.text, value);
        doc.add_text(fields.exact, value);
    }
    Ok(doc)
}
