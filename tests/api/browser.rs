//! A headless Chromium driven over WebDriver (`chromedriver`), that can reach only
//! loopback: every other request goes to a proxy that refuses it.
//!
//! The WebDriver calls are a few JSON requests made with `reqwest`, so no WebDriver
//! crate is needed; chromedriver's log endpoint, which such crates do not wrap,
//! gives the console (where Chromium reports Content-Security-Policy violations)
//! and the DevTools network events of the page (every request it made).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long any one condition may take to come true.
const PATIENCE: Duration = Duration::from_secs(30);

/// WebDriver's key for an element reference in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// WebDriver's codes for keys that are not characters.
pub const CONTROL: &str = "\u{E009}";
pub const ENTER: &str = "\u{E007}";
pub const ESCAPE: &str = "\u{E00C}";
pub const ALT: &str = "\u{E00A}";
pub const ARROW_DOWN: &str = "\u{E015}";

/// A Chromium session; closing it (or dropping it) ends Chromium and chromedriver.
pub struct Browser {
    driver: Child,
    driver_port: u16,
    session: String,
    profile: PathBuf,
    http: reqwest::Client,
}

impl Browser {
    /// Starts Chromium, or returns `None` with a printed reason when Chromium or
    /// chromedriver is not installed. In CI (`CI` set) a missing browser is a failure.
    pub async fn start() -> Option<Self> {
        if let Some(missing) = [CHROMIUM, CHROMEDRIVER]
            .into_iter()
            .find(|p| !Path::new(p).exists())
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "{missing} is missing; .ci/run installs it (apt-get install chromium chromium-driver)"
            );
            // Written to stderr directly, past the test harness's capture, so the skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED browser test: {missing} is not installed (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        let refusing_proxy = start_refusing_proxy().await;
        let (driver, driver_port) = start_chromedriver();
        let profile = profile_dir();
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("HTTP client");
        let mut browser = Self {
            driver,
            driver_port,
            session: String::new(),
            profile,
            http,
        };
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", browser.profile.display()),
            // Loopback bypasses a proxy by default; everything else is refused there.
            format!("--proxy-server=http://127.0.0.1:{refusing_proxy}"),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
            // A page's confirm box stays open until the test reads and answers it.
            "unhandledPromptBehavior": "ignore",
        }}});
        let created = browser.command(reqwest::Method::POST, "", capabilities).await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session in {created}"))
            .to_owned();
        browser
            .command(
                reqwest::Method::POST,
                "/timeouts",
                json!({ "implicit": 0, "pageLoad": 30_000, "script": 30_000 }),
            )
            .await;
        Some(browser)
    }

    pub async fn go_to(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    /// Waits until `selector` matches an element; returns its reference.
    pub async fn wait_for_element(&self, selector: &str) -> String {
        let found = self
            .wait_until(
                &format!("an element matching {selector}"),
                "return document.querySelector(arguments[0]) !== null;",
                json!([selector]),
            )
            .await;
        debug_assert!(found.as_bool() == Some(true));
        let element = self
            .command(
                reqwest::Method::POST,
                "/element",
                json!({ "using": "css selector", "value": selector }),
            )
            .await;
        element[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element in {element}"))
            .to_owned()
    }

    /// Waits until `script` returns an element (not null), and returns its reference.
    pub async fn find(&self, what: &str, script: &str, args: Value) -> String {
        let found = self.wait_until(what, script, args).await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: the script returned {found}, not an element"))
            .to_owned()
    }

    /// Waits for a `confirm()`/`alert()` box and returns its text.
    pub async fn alert_text(&self) -> String {
        // Polls chromedriver: while a box is open, no script runs in the page to wait with.
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let url = format!(
                "http://127.0.0.1:{}/session/{}/alert/text",
                self.driver_port, self.session
            );
            let reply: Value = self
                .http
                .get(&url)
                .send()
                .await
                .expect("chromedriver answers")
                .json()
                .await
                .unwrap_or(Value::Null);
            if let Some(text) = reply["value"].as_str() {
                return text.to_owned();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no confirm box appeared: {reply}"
            );
            tokio::task::yield_now().await;
        }
    }

    /// Answers the open confirm box: OK when `accept`, else Cancel.
    pub async fn answer_alert(&self, accept: bool) {
        let path = if accept { "/alert/accept" } else { "/alert/dismiss" };
        self.command(reqwest::Method::POST, path, json!({})).await;
    }

    /// Runs an asynchronous `script` (a function body; its last argument is the
    /// callback to call with the result) and returns what it passed back.
    pub async fn run_async_script(&self, script: &str, args: Value) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/async",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    pub async fn click(&self, element: &str) {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            json!({}),
        )
        .await;
    }

    /// Types into whatever has the focus, one key at a time, as a person would.
    /// `chord` keys are held down around the text (e.g. `[CONTROL]` and `"a"`).
    pub async fn type_keys(&self, chord: &[&str], text: &str) {
        let mut keys = Vec::new();
        for key in chord {
            keys.push(json!({ "type": "keyDown", "value": key }));
        }
        for character in text.chars() {
            keys.push(json!({ "type": "keyDown", "value": character.to_string() }));
            keys.push(json!({ "type": "keyUp", "value": character.to_string() }));
        }
        for key in chord.iter().rev() {
            keys.push(json!({ "type": "keyUp", "value": key }));
        }
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": keys }] });
        self.command(reqwest::Method::POST, "/actions", actions).await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn run_script(&self, script: &str, args: Value) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    /// Waits, in the page, until `script` returns something other than `null`,
    /// `undefined` or `false`, and returns that; panics naming `what` after [`PATIENCE`].
    pub async fn wait_until(&self, what: &str, script: &str, args: Value) -> Value {
        // A second less than the session's script timeout, so the page answers first.
        let within = PATIENCE - Duration::from_secs(1);
        self.wait_for(script, args, within)
            .await
            .unwrap_or_else(|| panic!("timed out waiting for {what}"))
    }

    /// Like [`Browser::wait_until`], but gives up with `None` after `within`.
    /// The page checks on every animation frame, so this waits on the condition itself.
    pub async fn wait_for(&self, script: &str, args: Value, within: Duration) -> Option<Value> {
        let waiter = format!(
            "const done = arguments[arguments.length - 1];
             const args = Array.prototype.slice.call(arguments, 0, -1);
             const check = function () {{ {script} }};
             const deadline = Date.now() + {within};
             (function poll() {{
               let value;
               try {{ value = check.apply(null, args); }} catch (e) {{ value = null; }}
               if (value !== null && value !== undefined && value !== false) return done(value);
               if (Date.now() > deadline) return done(null);
               requestAnimationFrame(poll);
             }})();",
            within = within.min(PATIENCE - Duration::from_secs(1)).as_millis(),
        );
        let value = self
            .command(
                reqwest::Method::POST,
                "/execute/async",
                json!({ "script": waiter, "args": args }),
            )
            .await;
        Some(value).filter(|value| !value.is_null())
    }

    /// Everything the page wrote to the console, as `LEVEL message` lines.
    pub async fn console(&self) -> Vec<String> {
        let entries = self
            .command(reqwest::Method::POST, "/se/log", json!({ "type": "browser" }))
            .await;
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|entry| format!("{} {}", entry["level"].as_str().unwrap_or("?"), entry["message"]))
            .collect()
    }

    /// The URL of every request the page made, WebSockets included, from its
    /// DevTools network events. Chromium's own pages (the new-tab page the window
    /// opens on loads from `chrome://`, which is never the network) are left out;
    /// `data:` URLs are cut short.
    pub async fn page_requests(&self) -> Vec<String> {
        // chromedriver names a window by its DevTools target, as the events do.
        let window = self.command(reqwest::Method::GET, "/window", Value::Null).await;
        let entries = self
            .command(reqwest::Method::POST, "/se/log", json!({ "type": "performance" }))
            .await;
        let mut urls = Vec::new();
        for entry in entries.as_array().into_iter().flatten() {
            let Some(event) = entry["message"]
                .as_str()
                .and_then(|m| serde_json::from_str::<Value>(m).ok())
            else {
                continue;
            };
            if event["webview"] != window {
                continue;
            }
            let event = &event["message"];
            let url = match event["method"].as_str() {
                Some("Network.requestWillBeSent") => &event["params"]["request"]["url"],
                Some("Network.webSocketCreated") => &event["params"]["url"],
                _ => continue,
            };
            let url = url.as_str().unwrap_or("(no URL)");
            if url.starts_with("chrome://") {
                continue;
            }
            urls.push(match url.strip_prefix("data:") {
                Some(data) => format!("data:{}…", data.chars().take(20).collect::<String>()),
                None => url.to_owned(),
            });
        }
        urls
    }

    /// Saves a PNG of the window, for a person to look at when a test fails.
    pub async fn screenshot(&self, path: &Path) {
        let shot = self
            .command(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        if let Some(png) = shot.as_str() {
            use base64::Engine;
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(png) {
                let _ = std::fs::write(path, bytes);
            }
        }
    }

    /// One WebDriver command on this session (`path` after `/session/{id}`); returns `value`.
    async fn command(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let session = if self.session.is_empty() {
            String::new()
        } else {
            format!("/{}", self.session)
        };
        let url = format!("http://127.0.0.1:{}/session{session}{path}", self.driver_port);
        let mut request = self.http.request(method, &url);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status();
        let reply: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{url} answered {status}: {reply:#}");
        reply["value"].clone()
    }
}

impl Drop for Browser {
    /// Ends the session (and with it Chromium) even when a test panics, then chromedriver.
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // Drop cannot await: a plain blocking HTTP request on loopback does it.
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.driver_port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    stream,
                    "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    self.session
                );
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Starts chromedriver on a free loopback port and waits for it to say it is ready.
fn start_chromedriver() -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    // It prints "ChromeDriver was started successfully on port N." once it listens.
    let mut stdout = driver.stdout.take().expect("piped stdout");
    let mut seen = Vec::new();
    let mut buffer = [0u8; 512];
    while !String::from_utf8_lossy(&seen).contains("started successfully") {
        match stdout.read(&mut buffer) {
            Ok(0) | Err(_) => panic!(
                "chromedriver exited before it was ready: {}",
                String::from_utf8_lossy(&seen)
            ),
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (driver, port)
}

/// A proxy on loopback that closes every connection unanswered, so nothing gets
/// past loopback even on a machine with internet (Chromium's own background calls,
/// update checks and the like, end here too); returns its port.
async fn start_refusing_proxy() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the refusing proxy");
    let port = listener.local_addr().expect("proxy address").port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    port
}

/// A fresh, empty Chromium profile for one session.
fn profile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cca-chromium-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("profile dir");
    dir
}
