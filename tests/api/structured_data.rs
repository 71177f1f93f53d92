//! A therapy page's schema.org structured data, checked against the vocabulary:
//! every type is a schema.org type, every property belongs to its type (or a
//! supertype) and holds a value of a type schema.org expects for it, and the
//! properties a health page must carry are there.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, prolotherapy_id};

/// The part of the schema.org vocabulary the page uses (schema.org 29.x): each
/// type's supertype, and the properties it adds with their expected types.
/// Data types: Text, URL, Date, DateTime.
/// A property and the types its values may have.
type Property = (&'static str, &'static [&'static str]);

const VOCABULARY: &[(&str, &str, &[Property])] = &[
    (
        "Thing",
        "",
        &[
            ("name", &["Text"]),
            ("description", &["Text"]),
            ("url", &["URL"]),
            ("sameAs", &["URL"]),
            ("identifier", &["PropertyValue", "Text", "URL"]),
            ("alternateName", &["Text"]),
        ],
    ),
    (
        "CreativeWork",
        "Thing",
        &[
            ("about", &["Thing"]),
            ("author", &["Organization", "Person"]),
            ("citation", &["CreativeWork", "Text"]),
            ("dateModified", &["Date", "DateTime"]),
            ("datePublished", &["Date", "DateTime"]),
            ("headline", &["Text"]),
            ("isPartOf", &["CreativeWork", "URL"]),
            ("mentions", &["Thing"]),
            ("publisher", &["Organization", "Person"]),
            ("inLanguage", &["Language", "Text"]),
        ],
    ),
    (
        "WebPage",
        "CreativeWork",
        &[
            ("lastReviewed", &["Date"]),
            ("reviewedBy", &["Organization", "Person"]),
            ("specialty", &["Specialty"]),
            ("mainContentOfPage", &["WebPageElement"]),
        ],
    ),
    (
        "MedicalWebPage",
        "WebPage",
        &[("medicalAudience", &["MedicalAudience", "MedicalAudienceType"])],
    ),
    ("Article", "CreativeWork", &[]),
    ("ScholarlyArticle", "Article", &[]),
    ("CreativeWorkSeries", "CreativeWork", &[("issn", &["Text"])]),
    ("Periodical", "CreativeWorkSeries", &[]),
    (
        "Person",
        "Thing",
        &[
            ("jobTitle", &["DefinedTerm", "Text"]),
            ("honorificPrefix", &["Text"]),
            ("affiliation", &["Organization"]),
        ],
    ),
    ("Intangible", "Thing", &[]),
    ("StructuredValue", "Intangible", &[]),
    (
        "PropertyValue",
        "StructuredValue",
        &[
            ("propertyID", &["Text", "URL"]),
            ("value", &["Boolean", "Number", "StructuredValue", "Text"]),
        ],
    ),
    (
        "MedicalEntity",
        "Thing",
        &[
            ("code", &["MedicalCode"]),
            ("guideline", &["MedicalGuideline"]),
            ("legalStatus", &["DrugLegalStatus", "MedicalEnumeration", "Text"]),
            ("relevantSpecialty", &["MedicalSpecialty"]),
            ("study", &["MedicalStudy"]),
        ],
    ),
    (
        "MedicalProcedure",
        "MedicalEntity",
        &[
            ("bodyLocation", &["Text"]),
            ("followup", &["Text"]),
            ("howPerformed", &["Text"]),
            ("preparation", &["MedicalEntity", "Text"]),
        ],
    ),
    (
        "TherapeuticProcedure",
        "MedicalProcedure",
        &[
            ("adverseOutcome", &["MedicalEntity"]),
            ("doseSchedule", &["DoseSchedule"]),
        ],
    ),
    (
        "MedicalTherapy",
        "TherapeuticProcedure",
        &[
            ("contraindication", &["MedicalContraindication", "Text"]),
            ("duplicateTherapy", &["MedicalTherapy"]),
            ("seriousAdverseOutcome", &["MedicalEntity"]),
        ],
    ),
    (
        "MedicalCondition",
        "MedicalEntity",
        &[
            ("possibleTreatment", &["MedicalTherapy"]),
            (
                "associatedAnatomy",
                &["AnatomicalStructure", "AnatomicalSystem", "SuperficialAnatomy"],
            ),
        ],
    ),
];

struct Vocabulary {
    parent: HashMap<&'static str, &'static str>,
    properties: HashMap<&'static str, HashMap<&'static str, &'static [&'static str]>>,
}

impl Vocabulary {
    fn new() -> Self {
        let mut parent = HashMap::new();
        let mut properties = HashMap::new();
        for (name, up, props) in VOCABULARY {
            parent.insert(*name, *up);
            properties.insert(*name, props.iter().copied().collect());
        }
        Self { parent, properties }
    }

    /// `ty` and its supertypes, nearest first.
    fn lineage(&self, ty: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut at = self.parent.get_key_value(ty).map(|(k, _)| *k);
        while let Some(t) = at {
            out.push(t);
            at = self.parent.get(t).copied().filter(|p| !p.is_empty());
        }
        out
    }

    fn expected(&self, ty: &str, property: &str) -> Option<&'static [&'static str]> {
        self.lineage(ty)
            .into_iter()
            .find_map(|t| self.properties[t].get(property).copied())
    }

    fn is_a(&self, ty: &str, wanted: &str) -> bool {
        self.lineage(ty).contains(&wanted)
    }

    /// Every problem with `node` (a typed object) at `path`.
    fn check(&self, node: &Value, path: &str, problems: &mut Vec<String>) {
        let Some(ty) = node["@type"].as_str() else {
            problems.push(format!("{path}: no @type"));
            return;
        };
        if !self.parent.contains_key(ty) {
            problems.push(format!("{path}: {ty} is not a type this page may use"));
            return;
        }
        for (property, value) in node.as_object().unwrap() {
            if property.starts_with('@') {
                continue;
            }
            let Some(expected) = self.expected(ty, property) else {
                problems.push(format!("{path}.{property}: not a property of {ty}"));
                continue;
            };
            let values = match value {
                Value::Array(items) => items.clone(),
                one => vec![one.clone()],
            };
            for (i, v) in values.iter().enumerate() {
                let at = format!("{path}.{property}[{i}]");
                if !self.fits(v, expected, &at, problems) {
                    problems.push(format!("{at}: {v} is none of {expected:?}"));
                }
            }
        }
    }

    fn fits(&self, value: &Value, expected: &[&str], at: &str, problems: &mut Vec<String>) -> bool {
        match value {
            Value::String(s) => expected.iter().any(|t| match *t {
                "Text" => true,
                "URL" => s.starts_with("https://") || s.starts_with("http://"),
                "Date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() || is_year(s),
                "DateTime" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                _ => false,
            }),
            Value::Object(_) => {
                let ty = value["@type"].as_str().unwrap_or_default();
                let fits = expected.iter().any(|t| self.is_a(ty, t));
                if fits {
                    self.check(value, at, problems);
                }
                fits
            }
            _ => false,
        }
    }
}

/// ISO 8601 allows a date of a year alone, which is what a citation knows.
fn is_year(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn the_therapy_page_is_a_medical_web_page_in_schema_org_terms() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let data = app
        .data(
            As::Public,
            "query($id: ID!) { therapy(id: $id) { structuredData } }",
            json!({ "id": id }),
        )
        .await["therapy"]["structuredData"]
        .clone();

    // The shape: every type, property and value as schema.org defines them.
    let vocabulary = Vocabulary::new();
    let mut problems = Vec::new();
    vocabulary.check(&data, "$", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}\n{data:#}");

    // What a health page must say: what it is about, who reviewed it and when,
    // and the evidence.
    assert_eq!(data["@context"], "https://schema.org");
    assert_eq!(data["@type"], "MedicalWebPage");
    assert_eq!(data["about"]["@type"], "MedicalTherapy");
    assert_eq!(data["about"]["name"], "Prolotherapy");
    assert_eq!(data["lastReviewed"], "2026-11-20");
    assert_eq!(
        data["reviewedBy"],
        json!({ "@type": "Person", "name": "Dr. Heather", "jobTitle": data["reviewedBy"]["jobTitle"] })
    );
    let citations = data["citation"].as_array().unwrap();
    assert_eq!(citations.len(), 6, "each seeded source once");
    for article in citations {
        for required in ["name", "author", "datePublished", "identifier", "url"] {
            assert!(article.get(required).is_some(), "{required} missing in {article}");
        }
    }
    let knee = citations
        .iter()
        .find(|c| c["name"] == "Dextrose prolotherapy for knee osteoarthritis: a randomized controlled trial")
        .unwrap();
    assert_eq!(knee["sameAs"], "https://doi.org/10.1370/afm.1504");
    assert_eq!(
        knee["isPartOf"],
        json!({ "@type": "Periodical", "name": "Annals of Family Medicine" })
    );
    assert!(
        knee["identifier"]
            .as_array()
            .unwrap()
            .contains(&json!({ "@type": "PropertyValue", "propertyID": "PMID", "value": "23690322" }))
    );
    let mentioned: Vec<&str> = data["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(mentioned.contains(&"Knee pain"), "{mentioned:?}");
    let not_suited = data["about"]["contraindication"].as_array().unwrap();
    assert!(
        not_suited.contains(&json!("Not suited to Fractures")),
        "{not_suited:?}"
    );
}

#[test]
fn the_vocabulary_check_catches_what_schema_org_does_not_allow() {
    let vocabulary = Vocabulary::new();
    let bad = json!({
        "@type": "MedicalWebPage",
        "lastReviewed": "last week",
        "reviewedBy": "Dr. Heather",
        "about": { "@type": "MedicalTherapy", "dosage": "3 times" },
        "citation": [{ "@type": "Recipe", "name": "Soup" }],
    });
    let mut problems = Vec::new();
    vocabulary.check(&bad, "$", &mut problems);
    let text = problems.join("\n");
    assert!(text.contains("$.lastReviewed[0]"), "{text}");
    assert!(text.contains("$.reviewedBy[0]"), "{text}");
    assert!(
        text.contains("$.about[0].dosage: not a property of MedicalTherapy"),
        "{text}"
    );
    assert!(text.contains("$.citation[0]"), "{text}");
}
