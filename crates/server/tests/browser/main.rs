//! The admin interface and the public site in real headless Chromium, driven over WebDriver
//! (chromedriver). scripts/test.sh installs Debian's chromium and chromium-driver; without
//! them these tests fail with a message saying so.
//!
//! Set BOLWERK_SCREENSHOTS=docs/screenshots to refresh the README's screenshots.
//!
//! `axe.min.js` is axe-core 4.14.1 (MPL-2.0, Deque Systems; its licence header is kept), the
//! `package/axe.min.js` of the npm package. To update: `npm pack axe-core@4`, extract that
//! file over this one and change the version here.

#![allow(clippy::unwrap_used)] // tests fail loudly on the first surprise

mod antivirus;
mod dutch;
mod editor;
mod journey;
mod xss;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The user agent of a phone browser (Chrome on Android).
const PHONE_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";

/// axe-core, the accessibility checker (see the top of this file).
const AXE: &str = include_str!("axe.min.js");

/// A chromedriver process and a browser session on it.
pub struct Chrome {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Chrome {
    /// An English-speaking desktop browser, 1280×900.
    pub async fn start() -> Chrome {
        Chrome::start_with("en", 1280, 900).await
    }

    /// A browser whose language (`Accept-Language`, `navigator.language`) is `lang` (`nl`,
    /// `en`), with a window of `width`×`height`. A width of 480 or less is a phone: touch,
    /// a device pixel ratio of 2 and a phone's user agent, the same for the whole session.
    /// In headless Chromium the `intl.accept_languages` pref is what sets `Accept-Language`
    /// (`--lang` alone leaves it English); Debian's chromium without chromium-l10n keeps its
    /// own controls (date pickers) in US English whatever the language.
    pub async fn start_with(lang: &str, width: u32, height: u32) -> Chrome {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {driver_bin} ({e}): install chromium and chromium-driver (scripts/test.sh does)"));
        let profile = tempfile::tempdir().unwrap();
        let accept = match lang {
            "nl" => "nl-NL,nl".to_string(),
            "en" => "en-GB,en".to_string(),
            other => other.to_string(),
        };
        let mut options = json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--window-size={width},{height}"),
                format!("--lang={lang}"),
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": { "intl.accept_languages": accept },
        });
        if width <= 480 {
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true },
                "userAgent": PHONE_UA,
            });
        }
        let caps = json!({
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": options,
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Chrome {
                        client,
                        driver,
                        _profile: profile,
                    };
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start a browser: {last:?}");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let e = self
            .client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap();
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Sets a field's value as a paste would and fires `input`, for multi-line text.
    pub async fn paste(&self, css: &str, text: &str) {
        let e = self.client.find(Locator::Css(css)).await.unwrap();
        let arg = serde_json::to_value(&e).unwrap();
        self.client
            .execute("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", vec![arg, json!(text)])
            .await
            .unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    /// Runs `script` (a function body returning a value) in the page.
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Waits (at most 10 s) until `script` returns true.
    pub async fn wait_until(&self, script: &str) -> bool {
        for _ in 0..100 {
            if self.eval(script).await == json!(true) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// The page's serious and critical accessibility problems by axe-core, one line each
    /// (rule, impact, help, the first three elements); empty when there are none. The script
    /// goes in over WebDriver, which the page's Content-Security-Policy does not govern.
    pub async fn axe(&self) -> Vec<String> {
        let run = r#"
const done = arguments[arguments.length - 1];
if (typeof window.axe !== 'object' || typeof window.axe.run !== 'function') {
  done({error: 'axe-core did not load'});
} else {
  window.axe.run(document, {resultTypes: ['violations']}).then(r => done({
    ran: r.testEngine.name + ' ' + r.testEngine.version,
    problems: r.violations
      .filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => `${v.id} (${v.impact}): ${v.help} — ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')),
  }), e => done({error: String(e)}));
}
"#;
        let script = format!("{AXE}\n{run}");
        let out = self.client.execute_async(&script, vec![]).await.unwrap();
        assert!(
            out["error"].is_null() && out["ran"].as_str().is_some_and(|r| r.starts_with("axe")),
            "axe-core did not run: {out}"
        );
        out["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    }

    /// Saves a screenshot to $BOLWERK_SCREENSHOTS (or a temp dir) and checks it is a PNG.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let dir = std::env::var("BOLWERK_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|_| std::env::temp_dir());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
