//! Automatic persisted queries (Apollo's protocol): a client sends the SHA-256 of
//! its document in `extensions.persistedQuery.sha256Hash`, and the document only
//! the first time (or after `PERSISTED_QUERY_NOT_FOUND`), so the usual request is a
//! short GET a CDN can cache. Documents are kept per instance, bounded; a miss is
//! answered so the client sends the document again.
//!
//! Allow-list mode: the operations of a manifest (Apollo's persisted-query manifest
//! format, read at start) are the only ones the public may run, and only by hash;
//! token holders (editors' tools) still send any document.

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
    /// Allow-list mode: the public may run registered operations only.
    NotAllowed,
}

impl PersistedError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::NotAllowed => "PERSISTED_QUERY_NOT_ALLOWED",
            Self::HashMismatch | Self::Malformed(_) => "BAD_REQUEST",
        }
    }

    pub fn message(&self) -> String {
        match self {
            // The text Apollo's clients look for.
            Self::NotFound => "PersistedQueryNotFound".to_owned(),
            Self::HashMismatch => "provided sha256Hash does not match the query".to_owned(),
            Self::Malformed(why) => format!("extensions.persistedQuery: {why}"),
            Self::NotAllowed => "this server runs registered operations only: send the operation's \
                                 extensions.persistedQuery.sha256Hash from the manifest it was built with"
                .to_owned(),
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
    /// The manifest's operations: never forgotten.
    registered: HashMap<String, Arc<str>>,
    /// Allow-list mode.
    registered_only: bool,
}

/// Operations registered ahead of time, from a persisted-query manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// `(sha256 hex, document)`, each hash checked against its document.
    pub operations: Vec<(String, String)>,
}

impl Manifest {
    /// Reads Apollo's manifest format: `{ "format": "apollo-persisted-query-manifest",
    /// "version": 1, "operations": [{ "id", "name", "type", "body" }] }`. Every id
    /// must be the SHA-256 of its body; the error says which one is not.
    pub fn parse(json: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("the manifest is not valid JSON: {e}"))?;
        if value.get("format").and_then(|f| f.as_str()) != Some("apollo-persisted-query-manifest") {
            return Err("the manifest's `format` must be \"apollo-persisted-query-manifest\"".to_owned());
        }
        if value.get("version").and_then(serde_json::Value::as_u64) != Some(1) {
            return Err("only version 1 of the manifest format is supported".to_owned());
        }
        let operations = value
            .get("operations")
            .and_then(|o| o.as_array())
            .ok_or("the manifest has no `operations` list")?;
        let mut parsed = Vec::with_capacity(operations.len());
        for (n, operation) in operations.iter().enumerate() {
            let field = |name: &str| {
                operation
                    .get(name)
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| format!("operations[{n}] has no `{name}` string"))
            };
            let (id, body) = (field("id")?.to_ascii_lowercase(), field("body")?);
            if sha256_hex(body) != id {
                return Err(format!("operations[{n}]: `id` is not the SHA-256 of `body`"));
            }
            parsed.push((id, body.to_owned()));
        }
        Ok(Self { operations: parsed })
    }
}

impl PersistedQueries {
    /// A store that also knows `manifest`'s operations; with `registered_only`, the
    /// public may run those alone.
    pub fn with_manifest(capacity: usize, manifest: Manifest, registered_only: bool) -> Self {
        Self(Arc::new(Mutex::new(Store {
            documents: HashMap::new(),
            order: VecDeque::new(),
            capacity,
            registered: manifest
                .operations
                .into_iter()
                .map(|(hash, body)| (hash, Arc::from(body)))
                .collect(),
            registered_only,
        })))
    }

    /// Fills in the document of a request that names one by hash, or registers
    /// the document it carries; requests without `persistedQuery` pass untouched
    /// (unless the public may run registered operations only).
    pub fn resolve(&self, request: &mut async_graphql::Request, public: bool) -> Result<(), PersistedError> {
        let Ok(mut store) = self.0.lock() else {
            return Err(PersistedError::NotFound);
        };
        let only_registered = public && store.registered_only;
        let Some(persisted) = request.extensions.get("persistedQuery") else {
            return if only_registered {
                Err(PersistedError::NotAllowed)
            } else {
                Ok(())
            };
        };
        let hash = hash_of(persisted)?;
        if let Some(document) = store.registered.get(&hash) {
            if request.query.is_empty() {
                request.query = document.to_string();
                return Ok(());
            }
            return if request.query == **document {
                Ok(())
            } else {
                Err(PersistedError::HashMismatch)
            };
        }
        if only_registered {
            // Apollo's clients answer NOT_FOUND by sending the document, which is then refused.
            return Err(if request.query.is_empty() {
                PersistedError::NotFound
            } else {
                PersistedError::NotAllowed
            });
        }
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
        let store = PersistedQueries::with_manifest(2, Manifest::default(), false);
        let (a, b, c) = ("{ a }", "{ b }", "{ c }");
        assert_eq!(
            store.resolve(&mut request("", &sha256_hex(a)), true),
            Err(PersistedError::NotFound)
        );
        for query in [a, b, c] {
            assert_eq!(
                store.resolve(&mut request(query, &sha256_hex(query)), true),
                Ok(())
            );
        }
        let mut hit = request("", &sha256_hex(c));
        assert_eq!(store.resolve(&mut hit, true), Ok(()));
        assert_eq!(hit.query, c);
        assert_eq!(
            store.resolve(&mut request("", &sha256_hex(a)), true),
            Err(PersistedError::NotFound)
        );
        assert_eq!(
            store.resolve(&mut request(a, &sha256_hex(b)), true),
            Err(PersistedError::HashMismatch)
        );
        assert!(matches!(
            store.resolve(&mut request("", "abc"), true),
            Err(PersistedError::Malformed(_))
        ));
    }

    fn manifest(operations: &[&str]) -> String {
        let operations: Vec<serde_json::Value> = operations
            .iter()
            .map(|body| serde_json::json!({ "id": sha256_hex(body), "name": "Op", "type": "query", "body": body }))
            .collect();
        serde_json::json!({ "format": "apollo-persisted-query-manifest", "version": 1, "operations": operations })
            .to_string()
    }

    #[test]
    fn in_allow_list_mode_the_public_runs_registered_operations_only() {
        let registered = "{ therapies { totalCount } }";
        let store =
            PersistedQueries::with_manifest(10, Manifest::parse(&manifest(&[registered])).unwrap(), true);
        let mut by_hash = request("", &sha256_hex(registered));
        assert_eq!(store.resolve(&mut by_hash, true), Ok(()));
        assert_eq!(by_hash.query, registered);
        // Anything else the public sends is refused, and not registered by sending it.
        let other = "{ __typename }";
        assert_eq!(
            store.resolve(&mut async_graphql::Request::new(other), true),
            Err(PersistedError::NotAllowed)
        );
        assert_eq!(
            store.resolve(&mut request("", &sha256_hex(other)), true),
            Err(PersistedError::NotFound)
        );
        assert_eq!(
            store.resolve(&mut request(other, &sha256_hex(other)), true),
            Err(PersistedError::NotAllowed)
        );
        // Token holders are not held to it.
        assert_eq!(
            store.resolve(&mut async_graphql::Request::new(other), false),
            Ok(())
        );
    }

    #[test]
    fn a_manifest_whose_id_is_not_its_bodys_hash_is_refused_with_where() {
        let bad = manifest(&["{ a }"]).replace(&sha256_hex("{ a }"), &sha256_hex("{ b }"));
        assert_eq!(
            Manifest::parse(&bad),
            Err("operations[0]: `id` is not the SHA-256 of `body`".to_owned())
        );
        assert!(Manifest::parse("{}").unwrap_err().contains("format"));
    }
}
