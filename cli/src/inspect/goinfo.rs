//! The build information the Go toolchain embeds in a binary: the Go
//! version (wasm's `producers` section), the build ID (`go:buildid`), and
//! the module information `go version -m` prints (main package, modules,
//! build settings), which Go keeps in a data segment between two sentinels.

use serde::Serialize;

use super::module::ModuleInfo;

/// What `go version -m` would say about the binary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GoInfo {
    /// `go1.26.8`.
    pub version: Option<String>,
    pub build_id: Option<String>,
    /// The main package's import path.
    pub path: Option<String>,
    /// The main module and the dependencies, with versions.
    pub modules: Vec<GoModule>,
    /// Build settings in order: `-buildmode=c-shared`, `GOOS=wasip1`, ...
    pub settings: Vec<(String, String)>,
}

/// A module of the build.
#[derive(Debug, Clone, Serialize)]
pub struct GoModule {
    /// `mod` for the main module, `dep` for a dependency.
    pub role: &'static str,
    pub path: String,
    pub version: String,
    /// What a `replace` directive put in its place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// The sentinels around Go's module information (`cmd/go`'s `infoStart`
/// and `infoEnd`).
const INFO_START: [u8; 16] = [
    0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
];
const INFO_END: [u8; 16] = [
    0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
];

impl GoInfo {
    /// The Go build information of `module`; `None` when it has none (it
    /// was not built by the Go toolchain).
    pub fn read(module: &ModuleInfo) -> Option<GoInfo> {
        let version = module
            .producers
            .iter()
            .find(|(field, name, _)| field == "language" && name == "Go")
            .map(|(_, _, version)| version.clone());
        let mut info = GoInfo {
            version,
            build_id: module.go_build_id.clone(),
            ..GoInfo::default()
        };
        if let Some(text) = module.data.iter().find_map(|d| modinfo(d)) {
            info.parse_modinfo(&text);
        }
        let from_go = info.version.is_some() || info.build_id.is_some() || info.path.is_some();
        from_go.then_some(info)
    }

    /// The value of build setting `key`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn parse_modinfo(&mut self, text: &str) {
        for line in text.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["path", path, ..] => self.path = Some((*path).to_owned()),
                [role @ ("mod" | "dep"), path, version, ..] => self.modules.push(GoModule {
                    role: if *role == "mod" { "mod" } else { "dep" },
                    path: (*path).to_owned(),
                    version: (*version).to_owned(),
                    replaced_by: None,
                }),
                ["=>", path, rest @ ..] => {
                    if let Some(last) = self.modules.last_mut() {
                        let version = rest.first().filter(|v| !v.is_empty());
                        last.replaced_by = Some(match version {
                            Some(v) => format!("{path} {v}"),
                            None => (*path).to_owned(),
                        });
                    }
                }
                ["build", setting] => {
                    let (k, v) = setting.split_once('=').unwrap_or((setting, ""));
                    self.settings.push((k.to_owned(), v.to_owned()));
                }
                _ => {}
            }
        }
    }
}

/// The module information in a data segment, between the sentinels.
fn modinfo(data: &[u8]) -> Option<String> {
    let start = find(data, &INFO_START)? + INFO_START.len();
    let len = find(&data[start..], &INFO_END)?;
    Some(String::from_utf8_lossy(&data[start..start + len]).into_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_information_between_the_sentinels() {
        let text = "path\texample.com/p\nmod\texample.com/p\t(devel)\t\n\
                    dep\tgithub.com/gohost/gohost/go\tv0.0.0\t\n=>\t../../go\t\t\n\
                    build\t-buildmode=c-shared\nbuild\tGOOS=wasip1\n";
        let mut data = b"junk".to_vec();
        data.extend(INFO_START);
        data.extend(text.as_bytes());
        data.extend(INFO_END);
        let module = ModuleInfo {
            producers: vec![("language".into(), "Go".into(), "go1.26.8".into())],
            data: vec![data],
            ..ModuleInfo::default()
        };
        let info = GoInfo::read(&module).expect("Go");
        assert_eq!(info.version.as_deref(), Some("go1.26.8"));
        assert_eq!(info.path.as_deref(), Some("example.com/p"));
        assert_eq!(info.setting("-buildmode"), Some("c-shared"));
        assert_eq!(info.setting("GOOS"), Some("wasip1"));
        assert_eq!(info.modules.len(), 2);
        assert_eq!(info.modules[1].replaced_by.as_deref(), Some("../../go"));
        assert!(GoInfo::read(&ModuleInfo::default()).is_none());
    }
}
