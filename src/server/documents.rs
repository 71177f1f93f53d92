//! Parsed documents by the SHA-256 of their text, so a front-end's repeated query
//! is parsed once per instance, not on every request the response cache misses.
//! Bounded; the oldest is forgotten first. Only short texts are kept (a parsed
//! tree takes several times its text), so strangers' documents cannot fill memory.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use sha2::{Digest, Sha256};

/// The longest text kept parsed; front-ends' queries are well under it.
const MAX_KEPT_BYTES: usize = 2048;

#[derive(Clone)]
pub struct ParsedDocuments(Arc<Mutex<Store>>);

struct Store {
    documents: HashMap<[u8; 32], Arc<ExecutableDocument>>,
    order: VecDeque<[u8; 32]>,
    capacity: usize,
}

impl ParsedDocuments {
    pub fn new(capacity: usize) -> Self {
        Self(Arc::new(Mutex::new(Store {
            documents: HashMap::new(),
            order: VecDeque::new(),
            capacity,
        })))
    }

    /// Gives the request the document parsed from its text before, if any.
    pub fn reuse(&self, request: &mut async_graphql::Request) -> bool {
        let key: [u8; 32] = Sha256::digest(request.query.as_bytes()).into();
        let known = self
            .0
            .lock()
            .ok()
            .and_then(|store| store.documents.get(&key).cloned());
        match known {
            Some(document) => {
                request.set_parsed_query((*document).clone());
                true
            }
            None => false,
        }
    }

    /// Parses the request's document and keeps it when it parses. Parse errors
    /// are left for execution to report.
    pub fn parse(&self, request: &mut async_graphql::Request) {
        let key: [u8; 32] = Sha256::digest(request.query.as_bytes()).into();
        let keep = request.query.len() <= MAX_KEPT_BYTES;
        let Ok(document) = request.parsed_query() else {
            return;
        };
        if !keep {
            return;
        }
        let document = Arc::new(document.clone());
        if let Ok(mut store) = self.0.lock() {
            store.insert(key, document);
        }
    }
}

impl Store {
    fn insert(&mut self, key: [u8; 32], document: Arc<ExecutableDocument>) {
        if self.capacity == 0 || self.documents.contains_key(&key) {
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
        self.order.push_back(key);
        self.documents.insert(key, document);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_parsed_once_and_the_oldest_is_forgotten_first() {
        let documents = ParsedDocuments::new(2);
        for query in ["{ a }", "{ b }", "{ a }", "{ c }"] {
            let mut request = async_graphql::Request::new(query);
            if !documents.reuse(&mut request) {
                documents.parse(&mut request);
            }
            assert!(request.parsed_query().is_ok());
        }
        let store = documents.0.lock().unwrap();
        assert_eq!(store.documents.len(), 2);
        let a: [u8; 32] = Sha256::digest(b"{ a }").into();
        assert!(!store.documents.contains_key(&a), "{{ a }} was the oldest");
        drop(store);
        let mut broken = async_graphql::Request::new("{ a ");
        documents.parse(&mut broken);
        assert!(!documents.reuse(&mut async_graphql::Request::new("{ a ")));
        assert!(broken.parsed_query().is_err());
    }
}
