//! The binary's banner: what it advertises works on the product it imitates.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The fake's process, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary for `product` on a free port; returns it and its banner up to the curl
/// line that lists people.
fn start(product: &str) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_docspace-people-fake"))
        .args(["--port", "0", "--product", product])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the fake starts");
    let stdout = child.stdout.take().expect("its stdout");
    let running = Running(child);
    let mut text = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        let done = line.contains("people/filter");
        text.push_str(&line);
        text.push('\n');
        if done {
            break;
        }
    }
    (running, text)
}

#[tokio::test]
async fn the_advertised_request_works_on_each_product() {
    for product in ["docspace", "workspace"] {
        let (_running, text) = start(product);
        if product == "workspace" {
            assert!(
                !text.contains("API key"),
                "Workspace has no API keys: {text}"
            );
        }
        let line = text
            .lines()
            .find(|l| l.contains("people/filter"))
            .unwrap_or_else(|| panic!("a curl line for people/filter: {text}"));
        let mut quoted = line.split('\'').skip(1).step_by(2);
        let url = quoted.next().expect("a quoted URL");
        let header = quoted.next().expect("a quoted header");
        let authorization = header
            .strip_prefix("Authorization: ")
            .expect("an Authorization header");
        let answer = reqwest::Client::new()
            .get(url)
            .header("Authorization", authorization)
            .send()
            .await
            .expect("the fake answers");
        assert_eq!(answer.status(), 200, "{product}: {line}");
    }
}
