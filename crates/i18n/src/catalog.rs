//! The message catalogs: Fluent files per language, parsed once, looked up by key.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;

use crate::Lang;

/// Each catalog file, in English and Dutch. A file per area keeps translators (and
/// reviewers) on one screen at a time.
macro_rules! catalogs {
    ($($name:literal),* $(,)?) => {
        const EN: &[(&str, &str)] = &[$(($name, include_str!(concat!("../locales/en/", $name, ".ftl")))),*];
        const NL: &[(&str, &str)] = &[$(($name, include_str!(concat!("../locales/nl/", $name, ".ftl")))),*];
    };
}

catalogs!(
    "common",
    "public",
    "admin",
    "admin-content",
    "admin-account",
    "admin-operator",
    "admin-rules",
    "admin-checks",
);

struct Bundles {
    nl: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| Bundles {
    nl: bundle(Lang::Nl, NL),
    en: bundle(Lang::En, EN),
});

fn bundle(lang: Lang, files: &[(&str, &str)]) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around variables: the text goes into HTML and mail, not
    // into mixed-direction UI.
    bundle.set_use_isolating(false);
    for (_, source) in files {
        // A file with a syntax error keeps the messages it could read (the parity test
        // reports the error); a duplicate key keeps the first.
        let resource = FluentResource::try_new((*source).to_string()).unwrap_or_else(|(r, _)| r);
        let _ = bundle.add_resource(resource);
    }
    bundle
}

/// A value for a message's variable.
#[derive(Clone, Debug)]
pub enum Arg<'a> {
    /// Text, put in as it is (escaping is the template's job).
    Str(Cow<'a, str>),
    /// A number, which also chooses the plural form.
    Num(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(Cow::Borrowed(s))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Str(Cow::Borrowed(s))
    }
}
impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Str(Cow::Owned(s))
    }
}
macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn from(n: $t) -> Self {
                Arg::Num(n as f64)
            }
        }
    )*};
}
number_args!(i32, i64, u32, u64, usize, f64);

/// The message `key` in `lang`, without variables.
pub fn text(lang: Lang, key: &str) -> String {
    text_with(lang, key, &[])
}

/// The message `key` in `lang` with its variables. A key missing in `lang` falls back to
/// English, and one missing everywhere comes out as the key itself (a visible slip, never
/// an error page); the tests make both impossible for the keys the code uses.
pub fn text_with(lang: Lang, key: &str, args: &[(&str, Arg<'_>)]) -> String {
    let bundles = &*BUNDLES;
    let own = match lang {
        Lang::Nl => &bundles.nl,
        Lang::En => &bundles.en,
    };
    let (bundle, message) = match own.get_message(key) {
        Some(m) => (own, m),
        None => match bundles.en.get_message(key) {
            Some(m) => (&bundles.en, m),
            None => return key.to_string(),
        },
    };
    let Some(pattern) = message.value() else {
        return key.to_string();
    };
    let mut fargs = FluentArgs::new();
    for (name, value) in args {
        let v = match value {
            Arg::Str(s) => FluentValue::from(s.to_string()),
            Arg::Num(n) => FluentValue::from(*n),
        };
        fargs.set(*name, v);
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fargs), &mut errors)
        .into_owned()
}

/// Whether `key` is a message in every language.
pub fn exists(key: &str) -> bool {
    BUNDLES.nl.has_message(key) && BUNDLES.en.has_message(key)
}

/// Every message id with the variables it uses, per file, for one language; and the
/// files' syntax errors.
fn inventory(files: &[(&str, &str)]) -> (BTreeMap<String, BTreeSet<String>>, Vec<String>) {
    let mut ids = BTreeMap::new();
    let mut problems = Vec::new();
    for (file, source) in files {
        let resource = match FluentResource::try_new((*source).to_string()) {
            Ok(r) => r,
            Err((r, errors)) => {
                for e in errors {
                    problems.push(format!("{file}.ftl: {e:?}"));
                }
                r
            }
        };
        for entry in resource.entries() {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern_variables(p, &mut vars);
                }
                let key = format!("{file}.ftl: {}", m.id.name);
                if ids.insert(key.clone(), vars).is_some() {
                    problems.push(format!("{key} is defined twice"));
                }
            }
        }
    }
    (ids, problems)
}

fn pattern_variables(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &p.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Inline(i) => inline_variables(i, out),
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for v in variants {
                pattern_variables(&v.value, out);
            }
        }
    }
}

fn inline_variables(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => expression_variables(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_variables(a, out);
            }
        }
        _ => {}
    }
}

/// Keys found in one language and not the other, and catalog syntax errors, in words.
pub fn missing_keys() -> Vec<String> {
    let (nl, mut problems) = inventory(NL);
    let (en, en_problems) = inventory(EN);
    problems.extend(en_problems);
    for k in nl.keys().filter(|k| !en.contains_key(*k)) {
        problems.push(format!("{k}: in Dutch, missing in English"));
    }
    for k in en.keys().filter(|k| !nl.contains_key(*k)) {
        problems.push(format!("{k}: in English, missing in Dutch"));
    }
    problems
}

/// Message ids defined in more than one file of a language (the first file's would win
/// unseen: `check-web-…` subtests beside the Check page's own `check-…` words).
pub fn defined_twice() -> Vec<String> {
    let mut problems = Vec::new();
    for files in [NL, EN] {
        let (ids, _) = inventory(files);
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for key in ids.keys() {
            let Some((file, id)) = key.split_once(": ") else {
                continue;
            };
            if let Some(first) = seen.insert(id, file) {
                problems.push(format!("{id}: in {first} and {file}"));
            }
        }
    }
    problems
}

/// Messages whose Dutch and English use different variables (one would show a value the
/// other leaves out, or name one that is never given).
pub fn variables_differ() -> Vec<String> {
    let (nl, _) = inventory(NL);
    let (en, _) = inventory(EN);
    nl.iter()
        .filter_map(|(k, vars)| {
            let other = en.get(k)?;
            (other != vars).then(|| format!("{k}: Dutch uses {vars:?}, English {other:?}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages_and_the_files_parse() {
        let problems = missing_keys();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn no_key_is_in_two_files() {
        let problems = defined_twice();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn both_languages_use_the_same_variables() {
        let problems = variables_differ();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn variables_and_plurals_come_out_in_each_language() {
        assert_eq!(
            text_with(Lang::Nl, "files-count", &[("count", 1.into())]),
            "1 bestand"
        );
        assert_eq!(
            text_with(Lang::Nl, "files-count", &[("count", 3.into())]),
            "3 bestanden"
        );
        assert_eq!(
            text_with(Lang::En, "files-count", &[("count", 1.into())]),
            "1 file"
        );
        assert_eq!(
            text_with(Lang::En, "files-count", &[("count", 3.into())]),
            "3 files"
        );
    }

    #[test]
    fn a_missing_key_shows_itself_instead_of_failing() {
        assert_eq!(text(Lang::Nl, "no-such-key"), "no-such-key");
        assert!(!exists("no-such-key"));
        assert!(exists("files-count"));
    }
}
