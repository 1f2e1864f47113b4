//! The interface's languages: English, Armenian and Russian from Fluent files under
//! `locales/`, chosen by a cookie, else by `Accept-Language`; numbers and dates per language.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, LanguageIdentifier, Loader};
use homeward_domain::PartialDate;

/// Translations without arguments already looked up, per language (in `Lang` order).
static MEMO: std::sync::LazyLock<[std::sync::RwLock<HashMap<String, String>>; 3]> =
    std::sync::LazyLock::new(Default::default);

/// Entries per language at most (the catalogue holds a few hundred).
const MEMO_MAX: usize = 4096;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Bidirectional isolation marks around arguments would end up inside numbers in
        // attributes and CSV; none of our languages is right-to-left.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The name of the cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Armenian.
    Hy,
    /// Russian.
    Ru,
}

impl Lang {
    /// Every language, in the order the switcher lists them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Hy, Lang::Ru];

    /// The BCP 47 tag.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Hy => "hy",
            Lang::Ru => "ru",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Hy => "Հայերեն",
            Lang::Ru => "Русский",
        }
    }

    /// The language of a tag such as `hy-AM` or `ru`, if it is one of ours.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "hy" => Some(Lang::Hy),
            "ru" => Some(Lang::Ru),
            _ => None,
        }
    }

    /// The best of ours for an `Accept-Language` header, by quality then order.
    pub fn negotiate(accept: &str) -> Option<Lang> {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (i, item) in accept.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 || q.is_nan() {
                continue;
            }
            if best.map_or(true, |(bq, _, _)| q > bq) {
                best = Some((q, i, lang));
            }
        }
        best.map(|(_, _, l)| l)
    }

    fn id(self) -> LanguageIdentifier {
        // The three tags are valid; English is the fallback should parsing ever fail.
        self.code()
            .parse()
            .unwrap_or_else(|_| LanguageIdentifier::default())
    }

    /// The translation of `key`.
    pub fn t(self, key: &str) -> String {
        // A lookup parses the language tag and negotiates fallbacks every time, and a person
        // page makes about a hundred of them: remembered per language. The catalogue is
        // finite, but a key could be built from data, so the memo is bounded.
        let memo = &MEMO[self as usize];
        if let Some(v) = memo
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
        {
            return v.clone();
        }
        let v = LOCALES.lookup(&self.id(), key);
        let mut m = memo
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if m.len() < MEMO_MAX {
            m.insert(key.to_owned(), v.clone());
        }
        v
    }

    /// The translation of `key` with one numeric argument.
    pub fn tn(self, key: &str, name: &'static str, n: i64) -> String {
        let mut args: HashMap<std::borrow::Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        args.insert(name.into(), FluentValue::from(n));
        LOCALES.lookup_with_args(&self.id(), key, &args)
    }

    /// The translation of `key` with text arguments.
    pub fn ts(self, key: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<std::borrow::Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| ((*k).into(), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(&self.id(), key, &map)
    }

    /// An integer with the language's digit grouping: 12,345 in English, 12 345 (narrow
    /// no-break space) in Armenian and Russian.
    pub fn num(self, n: impl Into<i64>) -> String {
        let n: i64 = n.into();
        let sep = match self {
            Lang::En => ",",
            Lang::Hy | Lang::Ru => "\u{202f}",
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// A partial date as the language writes it: 2023-09-20 in English (ISO 8601, which
    /// nobody misreads), 20.09.2023 in Armenian and Russian; months and years likewise.
    pub fn date(self, d: &PartialDate) -> String {
        match self {
            Lang::En => d.to_string(),
            Lang::Hy | Lang::Ru => match (d.day_part(), d.month_part()) {
                (Some(day), Some(m)) => format!("{day:02}.{m:02}.{:04}", d.year_part()),
                (None, Some(m)) => format!("{m:02}.{:04}", d.year_part()),
                _ => format!("{:04}", d.year_part()),
            },
        }
    }
}

/// The language of a request: the `lang` cookie if it names one of ours, else the best
/// match of `Accept-Language`, else English.
pub fn from_headers(headers: &axum::http::HeaderMap) -> Lang {
    let from_cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .and_then(|(_, v)| Lang::from_tag(v));
    from_cookie
        .or_else(|| {
            headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::negotiate)
        })
        .unwrap_or(Lang::En)
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(from_headers(&parts.headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_quality_then_order() {
        assert_eq!(Lang::negotiate("hy-AM,ru;q=0.9,en;q=0.8"), Some(Lang::Hy));
        assert_eq!(Lang::negotiate("de,ru;q=0.5,en;q=0.7"), Some(Lang::En));
        assert_eq!(Lang::negotiate("ru, hy"), Some(Lang::Ru));
        assert_eq!(Lang::negotiate("fr, de;q=0.2"), None);
        assert_eq!(Lang::negotiate("en;q=0, ru;q=x"), Some(Lang::Ru));
        assert_eq!(Lang::negotiate(""), None);
    }

    #[test]
    fn numbers_and_dates_follow_the_language() {
        assert_eq!(Lang::En.num(1_234_567), "1,234,567");
        assert_eq!(Lang::Ru.num(-12_345), "-12\u{202f}345");
        assert_eq!(Lang::Hy.num(999), "999");
        let d: PartialDate = "2023-09-20".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(Lang::En.date(&d), "2023-09-20");
        assert_eq!(Lang::Ru.date(&d), "20.09.2023");
        let m: PartialDate = "2023-09".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(Lang::Hy.date(&m), "09.2023");
    }

    #[test]
    fn every_language_translates_every_key() {
        let en = include_str!("../locales/en/main.ftl");
        let keys: Vec<&str> = en
            .lines()
            .filter(|l| !l.starts_with([' ', '#']) && l.contains(" = "))
            .filter_map(|l| l.split(" = ").next())
            .collect();
        assert!(keys.len() > 50);
        for lang in [
            include_str!("../locales/hy/main.ftl"),
            include_str!("../locales/ru/main.ftl"),
        ] {
            for k in &keys {
                assert!(
                    lang.lines().any(|l| l.starts_with(&format!("{k} ="))),
                    "missing key {k}"
                );
            }
        }
        assert_eq!(Lang::Ru.t("nav-persons"), "Лица");
        assert_eq!(Lang::Hy.tn("results-count", "count", 3), "3 անձ");
        assert_eq!(Lang::Ru.tn("results-count", "count", 3), "3 лица");
    }
}
