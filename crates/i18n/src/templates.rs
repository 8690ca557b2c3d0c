//! The catalogs in minijinja templates: `{{ t("key", name=value) }}`, in the language the
//! template's `lang` variable names (Dutch when it names none we speak).

use minijinja::State;
use minijinja::value::{Kwargs, Value};

use crate::{Arg, Lang};

/// Register with `env.add_function("t", i18n::templates::t)`. Numbers stay numbers, so
/// they choose the plural form; everything else is passed as text (and escaped by the
/// template like any other value).
pub fn t(state: &State, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default();
    let mut args: Vec<(&str, Arg<'_>)> = Vec::new();
    for name in kwargs.args() {
        let v: Value = kwargs.get(name)?;
        let arg = match i64::try_from(v.clone()) {
            Ok(n) if v.is_number() => Arg::from(n),
            _ => Arg::from(v.to_string()),
        };
        args.push((name, arg));
    }
    Ok(crate::text_with(lang, key, &args))
}

#[cfg(test)]
mod tests {
    use minijinja::{Environment, context};

    #[test]
    fn templates_speak_the_language_they_are_given() {
        let mut env = Environment::new();
        env.add_function("t", super::t);
        let tpl = env
            .template_from_str("{{ t('files-count', count=n) }}")
            .expect("template");
        let nl = tpl
            .render(context! { lang => "nl", n => 2 })
            .expect("render");
        let en = tpl
            .render(context! { lang => "en", n => 1 })
            .expect("render");
        assert_eq!((nl.as_str(), en.as_str()), ("2 bestanden", "1 file"));
    }
}
