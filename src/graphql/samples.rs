//! The README's example queries, kept in one place so the tests (and the
//! benchmark) check the defaults against what the README shows.

/// The whole clinic page in one round trip, as the README's API tour shows it.
pub const THERAPY_PAGE: &str = r#"query TherapyPage {
  therapy(slug: "prolotherapy") {
    id slug name
    summary { markdown html plainText }
    sections { heading body { html } }
    facts { typicalSessions minSessions maxSessions sessionIntervalWeeks
            procedureMinutesMin procedureMinutesMax repeatAfterMonthsMin repeatAfterMonthsMax
            insuranceCoverage insuranceNote firstUsedDecade }
    benefits { title body { html } }
    respondsWell: conditions(suitability: RESPONDS_WELL) { condition { slug name } note }
    respondsPoorly: conditions(suitability: RESPONDS_POORLY) { condition { slug name } }
    faqs { question answer { html } }
    practitioners { name title techniques }
    version updatedAt publishedAt
  }
}"#;
