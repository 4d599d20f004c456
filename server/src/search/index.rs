//! Opening (or rebuilding) the index, and querying it.

use super::document::{self, Fields, EXACT, NGRAM};
use super::writer::{self, Queue, Start, Writer};
use crate::db::Db;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use storage::UserId;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::{LowerCaser, NgramTokenizer, RawTokenizer, TextAnalyzer, TokenStream};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

/// Bump when the schema or analyzers change: an index of another version is rebuilt.
pub const SCHEMA_VERSION: &str = "1";
const VERSION_FILE: &str = "schema-version";
/// Written after the final commit of a clean shutdown with the user generation the index then
/// held; removed at start. Missing, or behind the database, means the index must catch up.
pub const CLEAN_MARKER: &str = "clean-shutdown";
/// The most results one search returns.
pub const MAX_RESULTS: usize = 50;
/// The longest query considered.
const MAX_QUERY_CHARS: usize = 100;
/// An exact match (a whole email, id or contact id) outranks any partial one.
const EXACT_BOOST: f32 = 20.0;

/// The index, its reader, and the handle to its writer thread.
pub struct Search {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    writer: Writer,
    /// Whether opening it rebuilt it from every user (tests check the command line's own
    /// opens leave it current).
    #[cfg(test)]
    rebuilt: bool,
}

fn register_analyzers(index: &Index) -> anyhow::Result<()> {
    let ngrams = NgramTokenizer::all_ngrams(2, 3).context("n-gram tokenizer")?;
    index.tokenizers().register(
        NGRAM,
        TextAnalyzer::builder(ngrams).filter(LowerCaser).build(),
    );
    index.tokenizers().register(
        EXACT,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
    Ok(())
}

/// Opens the index in `dir` when it is sound and holds `generation`; otherwise says why (the
/// caller rebuilds).
fn open_existing(dir: &Path, generation: u64) -> Result<Index, String> {
    let version = std::fs::read_to_string(dir.join(VERSION_FILE))
        .map_err(|_| "no schema version".to_owned())?;
    if version.trim() != SCHEMA_VERSION {
        return Err(format!(
            "schema version {} (this build uses {SCHEMA_VERSION})",
            version.trim()
        ));
    }
    let marker = std::fs::read_to_string(dir.join(CLEAN_MARKER))
        .map_err(|_| "not shut down cleanly".to_owned())?;
    if marker.trim().parse::<u64>().ok() != Some(generation) {
        return Err(format!(
            "behind the database (users changed at generation {generation}, the index holds {})",
            marker.trim()
        ));
    }
    Index::open_in_dir(dir).map_err(|e| format!("unreadable: {e}"))
}

impl Search {
    /// Opens the index under `dir`, rebuilding it from `db` when it is behind, and starts its
    /// writer, which from then on hears of every change to a user from the database.
    pub fn open(dir: &Path, db: Arc<Db>) -> anyhow::Result<Self> {
        let (schema, fields) = document::schema();
        let queue = Queue::new();
        db.on_user_change(queue.listener());
        let generation = db.user_generation()?;
        let (index, rebuild) = match open_existing(dir, generation) {
            Ok(index) if index.schema() == schema => (index, false),
            outcome => {
                let why = outcome.err().unwrap_or_else(|| "another schema".into());
                tracing::info!(dir = %dir.display(), %why, "building the search index from the database");
                if dir.exists() {
                    std::fs::remove_dir_all(dir).context("remove the old search index")?;
                }
                std::fs::create_dir_all(dir).context("create the search index directory")?;
                (
                    Index::create_in_dir(dir, schema).context("create the search index")?,
                    true,
                )
            }
        };
        register_analyzers(&index)?;
        std::fs::write(dir.join(VERSION_FILE), SCHEMA_VERSION)
            .context("write the schema version")?;
        // From now until a clean shutdown, a crash means the index may miss changes.
        let _ = std::fs::remove_file(dir.join(CLEAN_MARKER));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("open a search reader")?;
        let mut index_writer = index
            .writer_with_num_threads(1, writer::HEAP_BYTES)
            .context("open the search writer")?;
        if rebuild {
            let users = rebuild_all(&db, &mut index_writer, fields)?;
            tracing::info!(users, "search index built");
        }
        reader.reload().context("reload the search reader")?;
        let start = Start {
            writer: index_writer,
            reader: reader.clone(),
            db,
            fields,
            dir: PathBuf::from(dir),
            generation,
        };
        let writer = Writer::start(queue, start).context("start the search writer")?;
        Ok(Self {
            index,
            reader,
            fields,
            writer,
            #[cfg(test)]
            rebuilt: rebuild,
        })
    }

    /// Whether [`Search::open`] found the index behind (or unsound) and rebuilt it.
    #[cfg(test)]
    pub fn rebuilt(&self) -> bool {
        self.rebuilt
    }

    /// Commits what is queued, marks the index clean, and stops the writer.
    pub fn shutdown(&self) {
        self.writer.shutdown();
    }

    /// User ids best matching `text`, best first.
    pub fn query(&self, text: &str, limit: usize) -> anyhow::Result<Vec<UserId>> {
        let text: String = text.trim().chars().take(MAX_QUERY_CHARS).collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut analyzer = self.index.tokenizer_for_field(self.fields.text)?;
        let mut stream = analyzer.token_stream(&text);
        while let Some(token) = stream.next() {
            let term = Term::from_field_text(self.fields.text, &token.text);
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
            ));
        }
        let exact = Term::from_field_text(self.fields.exact, &text.to_lowercase());
        let exact = TermQuery::new(exact, IndexRecordOption::WithFreqs);
        clauses.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(exact), EXACT_BOOST)),
        ));
        let searcher = self.reader.searcher();
        let hits = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit.clamp(1, MAX_RESULTS)).order_by_score(),
        )?;
        let mut ids = Vec::with_capacity(hits.len());
        for (_, address) in hits {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_u64()) {
                ids.push(UserId(id));
            }
        }
        Ok(ids)
    }
}

fn rebuild_all(
    db: &Db,
    writer: &mut tantivy::IndexWriter,
    fields: Fields,
) -> anyhow::Result<usize> {
    writer.delete_all_documents()?;
    let mut users = 0;
    for user in db.all_users() {
        writer.add_document(document::document(db, &user?, fields)?)?;
        users += 1;
    }
    writer.commit()?;
    Ok(users)
}
