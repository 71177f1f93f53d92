//! Every fact of the clinic's prolotherapy page is served by the API after seeding.

use serde_json::{Value, json};

use crate::helpers::{As, TestApp};

pub const PAGE_QUERY: &str = r#"
query TherapyPage {
  therapy(slug: "prolotherapy") {
    id slug name
    summary { markdown html plainText }
    sections { heading body { markdown html plainText } }
    facts { typicalSessions minSessions maxSessions sessionIntervalWeeks
            procedureMinutesMin procedureMinutesMax repeatAfterMonthsMin repeatAfterMonthsMax
            insuranceCoverage insuranceNote firstUsedDecade }
    benefits { title body { markdown html } }
    respondsWell: conditions(suitability: RESPONDS_WELL) { condition { slug name } note }
    respondsPoorly: conditions(suitability: RESPONDS_POORLY) { condition { slug name } }
    faqs { question answer { markdown html } }
    practitioners { name title slug techniques bio { plainText } }
    version updatedAt publishedAt
  }
}"#;

async fn page() -> Value {
    let app = TestApp::new().await;
    app.data(As::Public, PAGE_QUERY, json!({})).await["therapy"].clone()
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|l| l["condition"]["name"].as_str().unwrap())
        .collect()
}

fn all_text(page: &Value) -> String {
    page["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["body"]["markdown"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_page_is_published_with_its_name_and_summary() {
    let page = page().await;
    assert_eq!(page["slug"], "prolotherapy");
    assert_eq!(page["name"], "Prolotherapy");
    assert_eq!(
        page["summary"]["plainText"],
        "Prolotherapy is a natural injection therapy effective at treating acute and chronic pain of the joints and spine."
    );
    assert!(page["publishedAt"].is_string());
}

#[tokio::test]
async fn every_section_of_the_page_is_there_in_order() {
    let page = page().await;
    let headings: Vec<&str> = page["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["heading"].as_str().unwrap())
        .collect();
    assert_eq!(
        headings,
        [
            "What is Prolotherapy?",
            "Is Prolotherapy right for you?",
            "Do you want a natural solution for acute or chronic joint pain?",
            "Why prolotherapy heals joints",
            "How prolotherapy works",
            "Precautions",
        ]
    );
    let text = all_text(&page);
    for fact in [
        // what it is
        "A solution of a mild irritant and a local anesthetic are injected into the injured ligament and tendon",
        "triggers a cascade of healing cells",
        "The injection procedure is relatively quick in office.",
        "Dr. Heather has mastered the art of the “gentle injection”",
        // who it suits, and diet
        "Prolotherapy works best on people who are or were active",
        "A healthy diet with low sugar and lots of whole foods is essential",
        // the natural solution
        "has been around since the 1930’s",
        "very high success rate of permanently resolving chronic joint pain",
        "prolotherapy requires extensive postgraduate training",
        "insurance companies will not pay for this type of injectable treatment",
        // why it heals
        "collagen regrowth and restructuring",
        "increased fibroblasts (synthesizes extracellular matrix",
        "increased blood flow to the joint",
        "restores the stability, flexibility and function of the joint",
        "Joint pain is mostly from weakened ligaments and tendons",
        // how it works
        "injecting a mild irritant solution (dextrose) into the fibro-osseous junction (where the ligament meets the bone)",
        "researchers believe that the anesthetic may have healing properties as well",
        "recruits all of the collagen repair cells",
        // precautions
        "there are some precautions to preparing for a treatment with prolotherapy",
        "follow all pre and post treatment recommendations",
    ] {
        assert!(text.contains(fact), "missing from the sections: {fact}");
    }
}

#[tokio::test]
async fn the_three_benefits_are_there_in_order() {
    let page = page().await;
    let bodies: Vec<&str> = page["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["body"]["markdown"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "Long term results can be seen because prolotherapy induces the body’s own healing mechanism. Initial improvement may be seen in just a few weeks to a few months.",
            "Clinical studies show that significant improvement can be seen in scores for pain, function, and range of motion; both in the short-term and long-term.",
            "The need for surgery can be greatly reduced by repairing the tissues of the joint before the damage becomes irreversible.",
        ]
    );
}

#[tokio::test]
async fn thirteen_conditions_respond_well_and_seven_poorly() {
    let page = page().await;
    assert_eq!(
        names(&page["respondsWell"]),
        [
            "Acute joint injuries",
            "Chronic joint pain",
            "Arthritis",
            "Knee pain",
            "Torn meniscus",
            "Low back pain",
            "Sciatica",
            "SI (sacroiliac) joint pain",
            "DJD (Degenerative joint disorder)",
            "Rotator cuff injuries and partial tears",
            "Labral tears",
            "Sprained Ankle",
            "Tennis and Golfer’s Elbow",
        ]
    );
    assert_eq!(
        names(&page["respondsPoorly"]),
        [
            "Fibromyalgia",
            "Severely herniated discs",
            "Cerebral spinal stenosis",
            "Complete rotator cuff tears",
            "Fractures",
            "Cancer pain",
            "Pain from autoimmune conditions",
        ]
    );
}

#[tokio::test]
async fn the_four_faq_entries_have_their_full_answers() {
    let page = page().await;
    let faqs: Vec<(&str, &str)> = page["faqs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["question"].as_str().unwrap(),
                f["answer"]["markdown"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        faqs,
        [
            (
                "Will the injections hurt?",
                "There is some pain involved with injecting the solution into the joint, however an anesthetic is used during the procedure and the pain is generally tolerable and only temporary."
            ),
            (
                "How long does the procedure take?",
                "The actual procedure is only 5-15 minutes depending on the joint site. The doctor will spend a short period of time with you prior to the procedure discussing the plan and answering questions."
            ),
            (
                "How many treatments will I need?",
                "Typically 3 treatments are needed spaced about one month apart. An average of 2-6 treatments is needed depending on the history of joint injury, and your current diet and lifestyle habits."
            ),
            (
                "How long will the treatment last?",
                "The treatment will often stimulate complete resolution of the joint pain. Sometimes a patient will need another treatment in 1-2 years depending on their activity level and lifestyle."
            ),
        ]
    );
}

#[tokio::test]
async fn the_treatment_facts_are_structured() {
    let page = page().await;
    assert_eq!(
        page["facts"],
        json!({
            "typicalSessions": 3,
            "minSessions": 2,
            "maxSessions": 6,
            "sessionIntervalWeeks": 4,
            "procedureMinutesMin": 5,
            "procedureMinutesMax": 15,
            "repeatAfterMonthsMin": 12,
            "repeatAfterMonthsMax": 24,
            "insuranceCoverage": "NOT_COVERED",
            "insuranceNote": "Prolotherapy is considered an alternative therapy, and insurance companies will not pay for this type of injectable treatment.",
            "firstUsedDecade": 1930
        })
    );
}

#[tokio::test]
async fn the_practitioner_and_the_gentle_injection_are_there() {
    let page = page().await;
    assert_eq!(page["practitioners"].as_array().unwrap().len(), 1);
    let heather = &page["practitioners"][0];
    assert_eq!(heather["name"], "Dr. Heather");
    assert_eq!(heather["slug"], "dr-heather");
    assert_eq!(heather["techniques"], json!(["Gentle injection"]));
    assert_eq!(
        heather["bio"]["plainText"],
        "Dr. Heather has mastered the art of the “gentle injection” by using specific needling techniques to reduce pain and maximize therapeutic value during procedures."
    );
}
