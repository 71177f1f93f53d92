//! Staff sign in to the editor: invitations, argon2id passwords, the session
//! cookie and its CSRF token, sign-out, the throttle, and roles over the API.

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, error_code};
use clinic_content_api::people::throttle::ThrottleRules;
use clinic_content_api::server::{HttpSettings, StaffSettings};

const PASSWORD: &str = "a long enough passphrase";

/// A browser-like client for one person: their cookie and CSRF token.
pub struct Staffer {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
    http: reqwest::Client,
}

impl Staffer {
    /// GraphQL as this person (cookie and CSRF header): status and body.
    pub async fn graphql(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/graphql", self.base))
            .header("cookie", format!("cca_session={}", self.cookie))
            .header("x-csrf-token", &self.csrf)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("client")
}

/// Invites someone as the admin token; returns the invitation's code.
pub async fn invite(app: &TestApp, email: &str, name: &str, role: &str) -> String {
    let data = app
        .data(
            As::Admin,
            "mutation($input: InvitePersonInput!) { invitePerson(input: $input) { code path expiresAt person { status role } } }",
            json!({ "input": { "email": email, "name": name, "role": role } }),
        )
        .await;
    let invitation = &data["invitePerson"];
    assert_eq!(invitation["person"]["status"], "INVITED");
    let code = invitation["code"].as_str().expect("code").to_owned();
    assert_eq!(invitation["path"], format!("/editor/#/invite/{code}"));
    code
}

/// POSTs JSON to `/auth/{path}` as a page of the server would.
async fn auth_post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    let base = app.address.as_ref().expect("spawned app");
    http()
        .post(format!("{base}/auth/{path}"))
        .json(&body)
        .send()
        .await
        .expect("request")
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("cca_session="))
        .map(str::to_owned)
}

/// Accepts the invitation with the test password; the person is then signed in.
pub async fn accept(app: &TestApp, code: &str) -> Staffer {
    let response = auth_post(
        app,
        "accept-invite",
        json!({ "code": code, "password": PASSWORD }),
    )
    .await;
    staffer(app, response).await
}

async fn staffer(app: &TestApp, response: reqwest::Response) -> Staffer {
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = session_cookie(&response).expect("a session cookie");
    let body: Value = response.json().await.expect("JSON");
    let cookie = set_cookie
        .trim_start_matches("cca_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    Staffer {
        base: app.address.clone().unwrap(),
        cookie,
        csrf: body["csrfToken"].as_str().expect("csrf token").to_owned(),
        http: http(),
    }
}

pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    auth_post(app, "sign-in", json!({ "email": email, "password": password })).await
}

/// A spawned app with an invited and signed-in person of `role`.
pub async fn app_with(role: &str) -> (TestApp, Staffer) {
    let app = TestApp::spawn().await;
    let code = invite(&app, "ann@clinic.example", "Ann Editor", role).await;
    let ann = accept(&app, &code).await;
    (app, ann)
}

const FAQ_ANSWER: &str = "mutation($id: ID!, $v: Int!, $answer: String!) {
    updateFaq(id: $id, expectedVersion: $v, input: { answer: $answer }) { id version answer { markdown } } }";

async fn first_faq(app: &TestApp) -> (String, i64) {
    let data = app
        .data(
            As::Editor,
            "{ faqs(first: 1, stage: DRAFT) { nodes { id version } } }",
            json!({}),
        )
        .await;
    let faq = &data["faqs"]["nodes"][0];
    (
        faq["id"].as_str().unwrap().to_owned(),
        faq["version"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn an_invited_person_sets_a_password_signs_in_and_changes_content_in_their_name() {
    let app = TestApp::spawn().await;
    let code = invite(&app, " Ann@Clinic.Example ", "Ann Editor", "EDITOR").await;

    let invited: Value = auth_post(&app, "invite", json!({ "code": code }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(invited["email"], "ann@clinic.example");
    assert_eq!(invited["role"], "EDITOR");

    let response = auth_post(
        &app,
        "accept-invite",
        json!({ "code": code, "password": PASSWORD }),
    )
    .await;
    let cookie = session_cookie(&response).unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP: the cookie cannot be Secure"
    );
    let ann = staffer(&app, response).await;

    // Only an argon2id hash is kept.
    let stored = entity::person::Entity::find()
        .filter(entity::person::Column::Email.eq("ann@clinic.example"))
        .one(app.db().conn())
        .await
        .unwrap()
        .expect("the person");
    let hash = stored.password_hash.expect("a password hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));

    let (id, version) = first_faq(&app).await;
    let (status, body) = ann
        .graphql(
            FAQ_ANSWER,
            json!({ "id": id, "v": version, "answer": "Changed by Ann." }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["updateFaq"]["answer"]["markdown"], "Changed by Ann.");
    let (_, history) = ann
        .graphql(
            "query($id: ID!) { history(id: $id, first: 1) { nodes { actorName actorId } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(history["data"]["history"]["nodes"][0]["actorName"], "Ann Editor");

    // Signing in again with the password gives a new session.
    let again = sign_in(&app, "ANN@clinic.example", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::OK);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["person"]["name"], "Ann Editor");
}

#[tokio::test]
async fn the_cookie_alone_acts_as_the_public_and_a_wrong_csrf_token_is_refused() {
    let (app, ann) = app_with("EDITOR").await;
    let (id, version) = first_faq(&app).await;
    let base = app.address.clone().unwrap();
    let variables = json!({ "id": id, "v": version, "answer": "Forged." });

    // What a forged cross-site request could at most carry: the cookie, no token.
    let forged: Value = http()
        .post(format!("{base}/graphql"))
        .header("cookie", format!("cca_session={}", ann.cookie))
        .json(&json!({ "query": FAQ_ANSWER, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&forged), "UNAUTHENTICATED");

    let wrong = Staffer {
        csrf: "0".repeat(64),
        base: ann.base.clone(),
        cookie: ann.cookie.clone(),
        http: http(),
    };
    let (status, body) = wrong.graphql(FAQ_ANSWER, variables.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "FORBIDDEN");

    // The CSRF token without the cookie is nobody.
    let (status, body) = app.post(None, "{ viewer { name } }", json!({})).await;
    assert_eq!((status, body["data"]["viewer"].clone()), (200, Value::Null));
    let no_cookie: Value = http()
        .post(format!("{base}/graphql"))
        .header("x-csrf-token", &ann.csrf)
        .json(&json!({ "query": "{ viewer { name } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&no_cookie), "UNAUTHENTICATED");

    // Nothing was written by any of them.
    let data = app
        .data(
            As::Editor,
            "query($id: ID!) { faq(id: $id, stage: DRAFT) { version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["faq"]["version"].as_i64(), Some(version));
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let (app, ann) = app_with("EDITOR").await;
    let base = app.address.clone().unwrap();
    let (_, before) = ann.graphql("{ viewer { name isPerson } }", json!({})).await;
    assert_eq!(before["data"]["viewer"]["isPerson"], true);

    let out = http()
        .post(format!("{base}/auth/sign-out"))
        .header("cookie", format!("cca_session={}", ann.cookie))
        .header("x-csrf-token", &ann.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    assert!(
        session_cookie(&out).unwrap().contains("Max-Age=0"),
        "the cookie is cleared"
    );

    // The old cookie, replayed, no longer works anywhere.
    let (status, after) = ann.graphql("{ viewer { name } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&after), "UNAUTHENTICATED");
    let session = http()
        .get(format!("{base}/auth/session"))
        .header("cookie", format!("cca_session={}", ann.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_preview_person_reads_drafts_but_cannot_save() {
    let (app, pat) = app_with("PREVIEW").await;
    let (id, version) = first_faq(&app).await;
    let (_, drafts) = pat
        .graphql(
            "query($id: ID!) { faq(id: $id, stage: DRAFT) { version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(drafts["data"]["faq"]["version"].as_i64(), Some(version));
    let (_, refused) = pat
        .graphql(
            FAQ_ANSWER,
            json!({ "id": id, "v": version, "answer": "Not allowed." }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let (_, people) = pat.graphql("{ people { email } }", json!({})).await;
    assert_eq!(error_code(&people), "FORBIDDEN");
}

#[tokio::test]
async fn an_invitation_works_once_and_a_short_password_is_refused_at_its_field() {
    let app = TestApp::spawn().await;
    let code = invite(&app, "ben@clinic.example", "Ben", "EDITOR").await;

    let short = auth_post(
        &app,
        "accept-invite",
        json!({ "code": code, "password": "too short" }),
    )
    .await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    let body: Value = short.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("password"))
    );

    accept(&app, &code).await;
    let again = auth_post(
        &app,
        "accept-invite",
        json!({ "code": code, "password": PASSWORD }),
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    // The same email cannot be invited twice; a bad email is refused at its field.
    let taken = app
        .call(
            As::Admin,
            "mutation { invitePerson(input: { email: \"BEN@clinic.example\", name: \"B\", role: EDITOR }) { code } }",
            json!({}),
        )
        .await;
    assert_eq!(taken["errors"][0]["extensions"]["field"], "email");
    let bad = app
        .call(
            As::Admin,
            "mutation { invitePerson(input: { email: \"not an email\", name: \"C\", role: EDITOR }) { code } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "email");
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account() {
    let (app, _) = app_with("EDITOR").await;
    // Twelve guesses at once: five are checked, the rest wait, however they race.
    let guesses = (0..12).map(|_| sign_in(&app, "ann@clinic.example", "not the password at all"));
    let answers = futures_util::future::join_all(guesses).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 7, "{statuses:?}");
    let wrong = sign_in(&app, "nobody-else@clinic.example", "not the password at all").await;
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["message"], "the email or password is wrong");
    // Now even the right password waits, and the answer says how long.
    let held = sign_in(&app, "ann@clinic.example", PASSWORD).await;
    assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = held.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let body: Value = held.json().await.unwrap();
    assert_eq!(body["code"], "RATE_LIMITED");
    assert_eq!(body["retryAfterSeconds"].as_u64(), Some(retry_after));
    // An unknown email answers exactly like a wrong password.
    let unknown = sign_in(&app, "nobody@clinic.example", PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_address_across_accounts() {
    let app = TestApp::spawn_with(HttpSettings {
        staff: StaffSettings {
            throttle: ThrottleRules {
                per_account: 100,
                per_address: 3,
                ..ThrottleRules::default()
            },
            ..StaffSettings::default()
        },
        ..HttpSettings::default()
    })
    .await;
    let code = invite(&app, "ann@clinic.example", "Ann", "EDITOR").await;
    accept(&app, &code).await;
    for n in 0..3 {
        let wrong = sign_in(&app, &format!("guess{n}@clinic.example"), "whatever it may be").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let held = sign_in(&app, "ann@clinic.example", PASSWORD).await;
    assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn disabling_a_person_ends_their_sessions_and_a_new_invite_resets_the_password() {
    let (app, ann) = app_with("EDITOR").await;
    let people = app
        .data(
            As::Admin,
            "{ people { id email status lastSignInAt } }",
            json!({}),
        )
        .await;
    let person = &people["people"][0];
    assert_eq!(person["status"], "ACTIVE");
    assert!(person["lastSignInAt"].is_string());
    let id = person["id"].as_str().unwrap().to_owned();

    let disabled = app
        .data(
            As::Admin,
            "mutation($id: ID!) { disablePerson(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(disabled["disablePerson"]["status"], "DISABLED");
    let (status, _) = ann.graphql("{ viewer { name } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in(&app, "ann@clinic.example", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Enabled again, the old session stays ended; a new invite resets the password.
    app.data(
        As::Admin,
        "mutation($id: ID!) { enablePerson(id: $id) { status } }",
        json!({ "id": id }),
    )
    .await;
    let (status, _) = ann.graphql("{ viewer { name } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let again = app
        .data(
            As::Admin,
            "mutation($id: ID!) { reinvitePerson(id: $id) { code person { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(again["reinvitePerson"]["person"]["status"], "INVITED");
    assert_eq!(
        sign_in(&app, "ann@clinic.example", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let code = again["reinvitePerson"]["code"].as_str().unwrap();
    let back = accept(&app, code).await;
    let (status, _) = ann.graphql("{ viewer { name } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old session stays ended");
    let (_, viewer) = back.graphql("{ viewer { name role } }", json!({})).await;
    assert_eq!(viewer["data"]["viewer"]["role"], "EDITOR");
}

#[tokio::test]
async fn a_role_change_ends_the_persons_sessions_and_holds_when_they_sign_in_again() {
    let (app, ann) = app_with("EDITOR").await;
    let people = app.data(As::Admin, "{ people { id } }", json!({})).await;
    let id = people["people"][0]["id"].as_str().unwrap();
    app.data(
        As::Admin,
        "mutation($id: ID!) { updatePerson(id: $id, input: { role: PREVIEW }) { role } }",
        json!({ "id": id }),
    )
    .await;
    // No open page or socket keeps the old role: the session has ended.
    let (status, _) = ann.graphql("{ viewer { role } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let again = staffer(&app, sign_in(&app, "ann@clinic.example", PASSWORD).await).await;
    let (_, viewer) = again.graphql("{ viewer { role } }", json!({})).await;
    assert_eq!(viewer["data"]["viewer"]["role"], "PREVIEW");
    let (id_faq, version) = first_faq(&app).await;
    let (_, refused) = again
        .graphql(FAQ_ANSWER, json!({ "id": id_faq, "v": version, "answer": "No." }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    // Renaming alone keeps the session.
    app.data(
        As::Admin,
        "mutation($id: ID!) { updatePerson(id: $id, input: { name: \"Ann P.\" }) { name } }",
        json!({ "id": id }),
    )
    .await;
    let (status, _) = again.graphql("{ viewer { name } }", json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_last_admin_person_can_be_neither_disabled_nor_demoted_and_a_disabled_person_gets_no_invite() {
    let (app, _) = app_with("ADMIN").await;
    let people = app.data(As::Admin, "{ people { id } }", json!({})).await;
    let ann = people["people"][0]["id"].as_str().unwrap().to_owned();
    for mutation in [
        "mutation($id: ID!) { disablePerson(id: $id) { status } }",
        "mutation($id: ID!) { updatePerson(id: $id, input: { role: EDITOR }) { role } }",
    ] {
        let refused = app.call(As::Admin, mutation, json!({ "id": ann })).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("no active admin")
        );
    }
    // With a second admin, the first may go.
    let code = invite(&app, "bea@clinic.example", "Bea Admin", "ADMIN").await;
    accept(&app, &code).await;
    app.data(
        As::Admin,
        "mutation($id: ID!) { disablePerson(id: $id) { status } }",
        json!({ "id": ann }),
    )
    .await;
    let refused = app
        .call(
            As::Admin,
            "mutation($id: ID!) { reinvitePerson(id: $id) { code } }",
            json!({ "id": ann }),
        )
        .await;
    assert_eq!(
        error_code(&refused),
        "BAD_USER_INPUT",
        "a new invite does not bring back a disabled person"
    );
}

#[tokio::test]
async fn an_admin_cannot_lock_themself_out_and_only_admins_manage_people() {
    let (app, admin) = app_with("ADMIN").await;
    let (_, people) = admin.graphql("{ people { id } }", json!({})).await;
    let id = people["data"]["people"][0]["id"].as_str().unwrap().to_owned();
    let (_, refused) = admin
        .graphql(
            "mutation($id: ID!) { disablePerson(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let (_, refused) = admin
        .graphql(
            "mutation($id: ID!) { updatePerson(id: $id, input: { role: EDITOR }) { role } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let editor = app.call(As::Editor, "{ people { id } }", json!({})).await;
    assert_eq!(error_code(&editor), "FORBIDDEN");
}

#[tokio::test]
async fn sign_in_is_refused_from_another_sites_page_and_as_a_plain_form() {
    let (app, _) = app_with("EDITOR").await;
    let base = app.address.clone().unwrap();
    let cross = http()
        .post(format!("{base}/auth/sign-in"))
        .header("origin", "https://attacker.example")
        .json(&json!({ "email": "ann@clinic.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&cross).is_none());
    let form = http()
        .post(format!("{base}/auth/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=ann%40clinic.example&password=a+long+enough+passphrase")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::BAD_REQUEST);
    assert!(session_cookie(&form).is_none());
    let same = http()
        .post(format!("{base}/auth/sign-in"))
        .header("origin", &base)
        .json(&json!({ "email": "ann@clinic.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::OK);
}

#[tokio::test]
async fn behind_https_the_cookie_is_secure() {
    let (app, _) = app_with("EDITOR").await;
    let base = app.address.clone().unwrap();
    let response = http()
        .post(format!("{base}/auth/sign-in"))
        .header("x-forwarded-proto", "https")
        .json(&json!({ "email": "ann@clinic.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert!(session_cookie(&response).unwrap().contains("; Secure"));
}

#[tokio::test]
async fn a_session_subscribes_to_drafts_with_its_csrf_token_and_signing_out_closes_the_socket() {
    use crate::ws_client::{close_code, next_json, open_with, send};

    let (app, ann) = app_with("EDITOR").await;
    let base = app.address.clone().unwrap();
    let cookie = format!("cca_session={}", ann.cookie);
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { contentChanged(stage: DRAFT, types: [FAQ]) { documentId actorName } }" } });

    // The cookie without the token in connection_init is the public: no drafts.
    let mut public = open_with(&base, &[("cookie", &cookie)]).await.unwrap();
    send(&mut public, json!({ "type": "connection_init", "payload": {} })).await;
    assert_eq!(next_json(&mut public).await["type"], "connection_ack");
    send(&mut public, subscribe.clone()).await;
    let refused = next_json(&mut public).await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );
    drop(public);
    crate::helpers::wait_for_metrics(&app.state.metrics, "no subscription", |m| m.subscriptions() == 0).await;

    let mut socket = open_with(&base, &[("cookie", &cookie)]).await.unwrap();
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "csrfToken": ann.csrf } }),
    )
    .await;
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    send(&mut socket, subscribe).await;
    // Wait until the subscription is registered on the server, then change a FAQ.
    crate::helpers::wait_for_metrics(&app.state.metrics, "the subscription", |m| m.subscriptions() >= 1)
        .await;
    let (id, version) = first_faq(&app).await;
    let (_, saved) = ann
        .graphql(
            FAQ_ANSWER,
            json!({ "id": id, "v": version, "answer": "Heard live." }),
        )
        .await;
    assert!(saved["errors"].is_null(), "{saved}");
    let event = next_json(&mut socket).await;
    assert_eq!(
        event["payload"]["data"]["contentChanged"]["documentId"],
        id.as_str()
    );
    assert_eq!(
        event["payload"]["data"]["contentChanged"]["actorName"],
        "Ann Editor"
    );

    let out = http()
        .post(format!("{base}/auth/sign-out"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &ann.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    assert_eq!(
        close_code(&mut socket).await,
        Some(4403),
        "the ended session's socket closes"
    );
}
