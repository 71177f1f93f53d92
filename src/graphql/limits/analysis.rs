//! Prices a parsed document: depth, aliases, root fields, directives, fragment
//! spreads and cost, each as the document would expand, without expanding it.
//!
//! Each fragment is measured once and its numbers reused at every spread, so a
//! fragment that spreads another ten times, ten levels deep, costs ten walks, not
//! ten billion. A list multiplies what it selects by its page size (`first` or
//! `last`, else the argument's default), or by an assumed size when it has no
//! paging arguments; the list fields of a paged result (a connection's `edges`)
//! are already counted by their page.

use std::collections::HashMap;

use async_graphql::Name;
use async_graphql::Variables;
use async_graphql::parser::types::OperationType;
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::registry::{MetaField, MetaTypeName, Registry};
use async_graphql_value::{ConstValue, Value};

use super::QueryLimits;

/// The measurements of one operation (or one fragment, or one selection set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measured {
    pub cost: u64,
    pub depth: u64,
    pub aliases: u64,
    pub directives: u64,
    pub fragment_spreads: u64,
    /// Fields at the top level of what was measured (through fragments).
    pub root_fields: u64,
    /// How deeply introspection's type lists (`fields`, `interfaces`,
    /// `possibleTypes`, `inputFields`) nest inside one another.
    pub introspection_lists: u64,
    /// Whether it asks for the schema itself (`__schema` or `__type`).
    pub introspects: bool,
}

impl Measured {
    /// Adds a sibling's numbers (depth is the deeper of the two).
    fn add(&mut self, other: Measured) {
        self.cost = self.cost.saturating_add(other.cost);
        self.depth = self.depth.max(other.depth);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.fragment_spreads = self.fragment_spreads.saturating_add(other.fragment_spreads);
        self.root_fields = self.root_fields.saturating_add(other.root_fields);
        self.introspection_lists = self.introspection_lists.max(other.introspection_lists);
        self.introspects |= other.introspects;
    }

    /// The cost `times` over, as a list repeats what it selects. The counts
    /// (aliases, directives, spreads) are of the document as written, with
    /// fragments expanded, and do not grow with the data.
    fn times(self, times: u64) -> Measured {
        Measured {
            cost: self.cost.saturating_mul(times),
            ..self
        }
    }
}

/// Measures every operation of `document` and returns the largest figures of any.
pub fn measure(
    document: &ExecutableDocument,
    registry: &Registry,
    variables: &Variables,
    limits: &QueryLimits,
) -> Measured {
    let mut walker = Walker {
        document,
        registry,
        variables,
        limits,
        fragments: HashMap::new(),
    };
    let mut worst = Measured::default();
    for (_, operation) in document.operations.iter() {
        let root = match operation.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let mut measured = walker.selection_set(&operation.node.selection_set.node, root, false);
        measured.directives = measured
            .directives
            .saturating_add(operation.node.directives.len() as u64);
        worst = Measured {
            cost: worst.cost.max(measured.cost),
            depth: worst.depth.max(measured.depth),
            aliases: worst.aliases.max(measured.aliases),
            directives: worst.directives.max(measured.directives),
            fragment_spreads: worst.fragment_spreads.max(measured.fragment_spreads),
            root_fields: worst.root_fields.max(measured.root_fields),
            introspection_lists: worst.introspection_lists.max(measured.introspection_lists),
            introspects: worst.introspects || measured.introspects,
        };
    }
    worst
}

/// A fragment's measurement, or the mark that it is being measured (a cycle,
/// which validation refuses later; here it simply counts nothing more).
#[derive(Clone, Copy)]
enum Memo {
    InProgress,
    Done(Measured),
}

struct Walker<'a> {
    document: &'a ExecutableDocument,
    registry: &'a Registry,
    variables: &'a Variables,
    limits: &'a QueryLimits,
    /// Keyed by fragment name and whether it sits directly under a paged field.
    fragments: HashMap<(Name, bool), Memo>,
}

impl Walker<'_> {
    fn selection_set(&mut self, set: &SelectionSet, parent: Option<&str>, paged: bool) -> Measured {
        let mut total = Measured::default();
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => total.add(self.field(&field.node, parent, paged)),
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.as_str());
                    let mut inner = self.selection_set(&inline.node.selection_set.node, on.or(parent), paged);
                    inner.directives = inner
                        .directives
                        .saturating_add(inline.node.directives.len() as u64);
                    total.add(inner);
                }
                Selection::FragmentSpread(spread) => {
                    let mut inner = self.fragment(&spread.node.fragment_name.node, paged);
                    inner.fragment_spreads = inner.fragment_spreads.saturating_add(1);
                    inner.directives = inner
                        .directives
                        .saturating_add(spread.node.directives.len() as u64);
                    total.add(inner);
                }
            }
        }
        total
    }

    fn fragment(&mut self, name: &Name, paged: bool) -> Measured {
        let key = (name.clone(), paged);
        match self.fragments.get(&key) {
            Some(Memo::Done(measured)) => return *measured,
            Some(Memo::InProgress) => return Measured::default(),
            None => {}
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return Measured::default();
        };
        self.fragments.insert(key.clone(), Memo::InProgress);
        let on = fragment.node.type_condition.node.on.node.as_str();
        let mut measured = self.selection_set(&fragment.node.selection_set.node, Some(on), paged);
        measured.directives = measured
            .directives
            .saturating_add(fragment.node.directives.len() as u64);
        self.fragments.insert(key, Memo::Done(measured));
        measured
    }

    fn field(&mut self, field: &Field, parent: Option<&str>, paged: bool) -> Measured {
        let meta = parent
            .and_then(|p| self.registry.types.get(p))
            .and_then(|t| t.field_by_name(&field.name.node));
        let child_type = meta.map(|m| MetaTypeName::concrete_typename(&m.ty));
        let page = meta.and_then(|m| self.page_size(field, m));
        let is_list = meta.is_some_and(|m| is_list_type(&m.ty));
        let introspection = parent.is_some_and(|p| p.starts_with("__"));
        let times = match (page, is_list) {
            (Some(size), _) => size,
            // A list inside a paged result is that page.
            (None, true) if paged => 1,
            // The schema's own lists are bounded by the schema; their nesting
            // is limited instead (as graphql-js's introspection depth rule does).
            (None, true) if introspection => 1,
            (None, true) => self.limits.child_list_size,
            (None, false) => 1,
        };
        let type_list = introspection
            && matches!(
                field.name.node.as_str(),
                "fields" | "interfaces" | "possibleTypes" | "inputFields"
            );
        let children = self
            .selection_set(&field.selection_set.node, child_type, page.is_some())
            .times(times);
        Measured {
            cost: children.cost.saturating_add(1),
            depth: children.depth.saturating_add(1),
            aliases: children.aliases.saturating_add(u64::from(field.alias.is_some())),
            directives: children.directives.saturating_add(field.directives.len() as u64),
            fragment_spreads: children.fragment_spreads,
            // The field is one field at its own level, whatever it selects.
            root_fields: 1,
            introspection_lists: children.introspection_lists + u64::from(type_list),
            introspects: children.introspects || matches!(field.name.node.as_str(), "__schema" | "__type"),
        }
    }

    /// The page a paged field asks for: `first` or `last` as given (a literal or
    /// a variable), else the argument's default, else the API's default page.
    fn page_size(&self, field: &Field, meta: &MetaField) -> Option<u64> {
        const DEFAULT_PAGE: u64 = 20;
        // The largest page any field allows (the change feed's); a larger request
        // is priced at it and then refused by the field itself as bad input.
        const LARGEST_PAGE: u64 = 500;
        let paging: Vec<&str> = ["first", "last"]
            .into_iter()
            .filter(|name| meta.args.contains_key(*name))
            .collect();
        if paging.is_empty() {
            return None;
        }
        let given = field
            .arguments
            .iter()
            .filter(|(name, _)| paging.contains(&name.node.as_str()))
            .filter_map(|(_, value)| match &value.node {
                Value::Variable(var) => self.variables.get(var).and_then(|v| match v {
                    ConstValue::Number(n) => n.as_u64(),
                    _ => None,
                }),
                Value::Number(n) => n.as_u64(),
                _ => None,
            })
            .max();
        let default = paging
            .iter()
            .filter_map(|name| meta.args.get(*name)?.default_value.as_ref()?.parse::<u64>().ok())
            .max();
        Some(given.or(default).unwrap_or(DEFAULT_PAGE).min(LARGEST_PAGE))
    }
}

fn is_list_type(ty: &str) -> bool {
    let mut name = MetaTypeName::create(ty);
    if let MetaTypeName::NonNull(inner) = name {
        name = MetaTypeName::create(inner);
    }
    name.is_list()
}
