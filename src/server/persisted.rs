//! Automatic persisted queries (Apollo's protocol): a client sends the SHA-256 of
//! its document in `extensions.persistedQuery.sha256Hash`, and the document only
//! the first time (or after `PERSISTED_QUERY_NOT_FOUND`), so the usual request is a
//! short GET a CDN can cache. Documents are kept per instance, bounded; a miss is
//! answered so the client sends the document again.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use async_graphql::Value;
use sha2::{Digest, Sha256};

/// Why a persisted query could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersistedError {
    /// The hash is not known here: send the document with it.
    NotFound,
    /// The document's hash is not the one given.
    HashMismatch,
    /// `persistedQuery` is not `{ version: 1, sha256Hash: "<64 hex>" }`.
    Malformed(&'static str),
}

impl PersistedError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::HashMismatch | Self::Malformed(_) => "BAD_REQUEST",
        }
    }

    pub fn message(&self) -> String {
        match self {
            // The text Apollo's clients look for.
            Self::NotFound => "PersistedQueryNotFound".to_owned(),
            Self::HashMismatch => "provided sha256Hash does not match the query".to_owned(),
            Self::Malformed(why) => format!("extensions.persistedQuery: {why}"),
        }
    }
}

/// The documents this instance has seen by hash, oldest forgotten first.
#[derive(Clone)]
pub struct PersistedQueries(Arc<Mutex<Store>>);

struct Store {
    documents: HashMap<String, Arc<str>>,
    order: VecDeque<String>,
    capacity: usize,
}

impl PersistedQueries {
    pub fn new(capacity: usize) -> Self {
        Self(Arc::new(Mutex::new(Store {
            documents: HashMap::new(),
            order: VecDeque::new(),
            capacity,
        })))
    }

    /// Fills in the document of a request that names one by hash, or registers
    /// the document it carries; requests without `persistedQuery` pass untouched.
    pub fn resolve(&self, request: &mut async_graphql::Request) -> Result<(), PersistedError> {
        let Some(persisted) = request.extensions.get("persistedQuery") else {
            return Ok(());
        };
        let hash = hash_of(persisted)?;
        let Ok(mut store) = self.0.lock() else {
            return Err(PersistedError::NotFound);
        };
        if request.query.is_empty() {
            let document = store.documents.get(&hash).ok_or(PersistedError::NotFound)?;
            request.query = document.to_string();
            return Ok(());
        }
        if sha256_hex(&request.query) != hash {
            return Err(PersistedError::HashMismatch);
        }
        store.insert(hash, Arc::from(request.query.as_str()));
        Ok(())
    }
}

impl Store {
    fn insert(&mut self, hash: String, document: Arc<str>) {
        if self.capacity == 0 || self.documents.contains_key(&hash) {
            return;
        }
        while self.documents.len() >= self.capacity {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.documents.remove(&oldest);
                }
                None => break,
            }
        }
        self.order.push_back(hash.clone());
        self.documents.insert(hash, document);
    }
}

fn hash_of(persisted: &Value) -> Result<String, PersistedError> {
    let Value::Object(fields) = persisted else {
        return Err(PersistedError::Malformed("must be an object"));
    };
    match fields.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        _ => return Err(PersistedError::Malformed("only version 1 is supported")),
    }
    match fields.get("sha256Hash") {
        Some(Value::String(hash)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(hash.to_ascii_lowercase())
        }
        _ => Err(PersistedError::Malformed(
            "sha256Hash must be 64 hexadecimal digits",
        )),
    }
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, hash: &str) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(query);
        let persisted = serde_json::json!({ "version": 1, "sha256Hash": hash });
        request
            .extensions
            .insert("persistedQuery".to_owned(), Value::from_json(persisted).unwrap());
        request
    }

    #[test]
    fn a_hash_is_a_miss_until_its_document_is_sent_and_the_oldest_is_forgotten_first() {
        let store = PersistedQueries::new(2);
        let (a, b, c) = ("{ a }", "{ b }", "{ c }");
        assert_eq!(
            store.resolve(&mut request("", &sha256_hex(a))),
            Err(PersistedError::NotFound)
        );
        for query in [a, b, c] {
            assert_eq!(store.resolve(&mut request(query, &sha256_hex(query))), Ok(()));
        }
        let mut hit = request("", &sha256_hex(c));
        assert_eq!(store.resolve(&mut hit), Ok(()));
        assert_eq!(hit.query, c);
        assert_eq!(
            store.resolve(&mut request("", &sha256_hex(a))),
            Err(PersistedError::NotFound)
        );
        assert_eq!(
            store.resolve(&mut request(a, &sha256_hex(b))),
            Err(PersistedError::HashMismatch)
        );
        assert!(matches!(
            store.resolve(&mut request("", "abc")),
            Err(PersistedError::Malformed(_))
        ));
    }
}
