//! The per-user config file where `login` keeps the portal URL and its session token.
//!
//! JSON, in the platform's config directory (`~/.config/docspace-people/config.json` on Linux)
//! or in `--config-dir` / `DOCSPACE_CONFIG_DIR`. Written atomically (a temporary file in the
//! same directory, renamed over the old one) and readable only by its owner (0600 on unix).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use serde::{Deserialize, Serialize};

/// The file name inside the config directory.
pub const FILE_NAME: &str = "config.json";

/// What `login` stores.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The portal the token belongs to.
    pub portal: String,
    /// The session token.
    pub token: String,
    /// Who signed in (name and address), as the portal said at `login`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Their id: refusals of yourself are foreseen without asking the portal who you are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<docspace_people::Uuid>,
    /// The server the portal ran when last asked, kept for [`SERVER_KEPT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<KnownServer>,
}

/// How long a server version kept with a profile is used without asking the portal again
/// (`--detect-server` asks at once).
pub const SERVER_KEPT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The server a portal ran, and when it said so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownServer {
    /// The server, as `DocSpace 3.7.1` or `Workspace 12.7`.
    pub name: String,
    /// When the portal said so, in seconds since 1970 (UTC).
    pub checked: u64,
}

/// Now, in seconds since 1970.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("portal", &self.portal)
            .field("token", &"<redacted>")
            .field("user", &self.user)
            .field("user_id", &self.user_id)
            .field("server", &self.server)
            .finish()
    }
}

impl Config {
    /// Whether the stored token belongs to `portal` (compared without a trailing slash and
    /// ignoring case), so that a token is never sent to another portal than the one it came
    /// from.
    pub fn is_for(&self, portal: &str) -> bool {
        same_portal(&self.portal, portal)
    }

    /// The server kept with the profile, if it was asked less than [`SERVER_KEPT`] before
    /// `now` (and not in the future: a clock set back makes it stale).
    pub fn fresh_server(&self, now: u64) -> Option<docspace_people::Server> {
        let known = self.server.as_ref()?;
        let age = now.checked_sub(known.checked)?;
        (age < SERVER_KEPT.as_secs())
            .then(|| known.name.parse().ok())
            .flatten()
    }
}

/// Whether two portal URLs name the same portal.
pub fn same_portal(a: &str, b: &str) -> bool {
    a.trim()
        .trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim().trim_end_matches('/'))
}

/// The config directory: `dir` if given, else the per-user config directory.
pub fn dir(dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    Ok(match dir {
        Some(dir) => dir.to_path_buf(),
        None => directories::ProjectDirs::from("", "", "docspace-people")
            .ok_or_else(|| anyhow!("no home directory to keep the config in; use --config-dir"))?
            .config_dir()
            .to_path_buf(),
    })
}

/// The config file's path: `config.json` in the config directory for the default profile,
/// `profiles/NAME.json` for a named one (`--profile NAME`, `DOCSPACE_PROFILE`).
pub fn path(dir: Option<&Path>, profile: Option<&str>) -> anyhow::Result<PathBuf> {
    let dir = self::dir(dir)?;
    match profile {
        None => Ok(dir.join(FILE_NAME)),
        Some(name) => {
            check_profile_name(name)?;
            Ok(dir.join(PROFILES).join(format!("{name}.json")))
        }
    }
}

/// The folder of the named profiles, inside the config directory.
pub const PROFILES: &str = "profiles";

/// A profile name is a file name: letters, digits, `-` and `_`, at most 64.
fn check_profile_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(anyhow!(
            "profile name `{}` must be 1 to 64 letters, digits, `-` or `_`",
            name.chars().take(70).collect::<String>()
        ))
    }
}

/// Every stored profile: `None` for the default one, and what it stores.
pub fn profiles(dir: Option<&Path>) -> anyhow::Result<Vec<(Option<String>, Config)>> {
    let dir = self::dir(dir)?;
    let mut found = Vec::new();
    if let Some(config) = load(&dir.join(FILE_NAME))? {
        found.push((None, config));
    }
    let folder = dir.join(PROFILES);
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", folder.display())),
    };
    let mut named = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", folder.display()))?
            .path();
        let Some(name) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|_| path.extension().is_some_and(|e| e == "json"))
        else {
            continue;
        };
        if let Some(config) = load(&path)? {
            named.push((Some(name.to_owned()), config));
        }
    }
    named.sort_by(|a, b| a.0.cmp(&b.0));
    found.extend(named);
    Ok(found)
}

/// Reads the config file; `None` if there is none.
pub fn load(path: &Path) -> anyhow::Result<Option<Config>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    warn_if_readable_by_others(path);
    let config = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid config file", path.display()))?;
    Ok(Some(config))
}

/// Writes the config file atomically, readable only by its owner, creating its directory.
pub fn save(path: &Path, config: &Config) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| anyhow!("{} has no parent directory", path.display()))?;
    create_private_dir(dir)?;
    // tempfile creates the file with mode 0600 on unix, before anything is written to it.
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    restrict(file.path())?;
    let text = serde_json::to_string_pretty(config).context("cannot encode the config")?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write {}", file.path().display()))?;
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Removes the config file; whether there was one.
pub fn remove(path: &Path) -> anyhow::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

#[cfg(unix)]
pub(crate) fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

#[cfg(not(unix))]
pub(crate) fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

#[cfg(unix)]
pub(crate) fn restrict(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot restrict the permissions of {}", path.display()))
}

#[cfg(not(unix))]
pub(crate) fn restrict(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "the config file holds a session token but others can read it; run chmod 600 on it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_privately_and_never_shows_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join(FILE_NAME);
        assert_eq!(load(&path).unwrap(), None);
        let config = Config {
            portal: "https://p.example".into(),
            token: "secret-token".into(),
            user: Some("Ann <ann@p.example>".into()),
            user_id: Some(docspace_people::Uuid::from_u128(7)),
            server: Some(KnownServer {
                name: "DocSpace 3.7.1".into(),
                checked: 1_800_000_000,
            }),
        };
        save(&path, &config).unwrap();
        assert_eq!(load(&path).unwrap(), Some(config.clone()));
        assert!(!format!("{config:?}").contains("secret-token"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(remove(&path).unwrap());
        assert!(!remove(&path).unwrap());
    }

    #[test]
    fn tokens_stay_with_their_portal() {
        let config = Config {
            portal: "https://p.example/".into(),
            token: "t".into(),
            user: None,
            user_id: None,
            server: None,
        };
        assert!(config.is_for("HTTPS://p.example"));
        assert!(!config.is_for("https://other.example"));
    }

    #[test]
    fn a_kept_server_is_used_for_a_day() {
        let checked = 1_800_000_000;
        let config = Config {
            portal: "https://p.example".into(),
            token: "t".into(),
            user: None,
            user_id: None,
            server: Some(KnownServer {
                name: "DocSpace 3.7.1".into(),
                checked,
            }),
        };
        let kept = SERVER_KEPT.as_secs();
        assert_eq!(
            config
                .fresh_server(checked + kept - 1)
                .map(|s| s.to_string()),
            Some("DocSpace 3.7.1".to_owned())
        );
        assert_eq!(
            config.fresh_server(checked + kept),
            None,
            "stale after a day"
        );
        assert_eq!(config.fresh_server(checked - 1), None, "a clock set back");
        let garbled = Config {
            server: Some(KnownServer {
                name: "DocSpace latest".into(),
                checked,
            }),
            ..config
        };
        assert_eq!(garbled.fresh_server(checked), None, "asked again");
    }
}
