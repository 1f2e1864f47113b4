//! Static assets compiled into the binary (stylesheet, htmx, the Armenian font) and served
//! under a path that names their version, so browsers may cache them for a year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::WebError;

/// One served file.
struct Asset {
    name: &'static str,
    mime: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        mime: "text/css; charset=utf-8",
        bytes: include_bytes!("../static/app.css"),
    },
    Asset {
        name: "htmx.min.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/htmx.min.js"),
    },
    Asset {
        name: "noto-sans-armenian-400.woff2",
        mime: "font/woff2",
        bytes: include_bytes!("../static/fonts/noto-sans-armenian-400.woff2"),
    },
    Asset {
        name: "noto-sans-armenian-700.woff2",
        mime: "font/woff2",
        bytes: include_bytes!("../static/fonts/noto-sans-armenian-700.woff2"),
    },
    Asset {
        name: "icon.svg",
        mime: "image/svg+xml",
        bytes: include_bytes!("../static/icon.svg"),
    },
    Asset {
        name: "htmx.LICENSE.txt",
        mime: "text/plain; charset=utf-8",
        bytes: include_bytes!("../static/htmx.LICENSE.txt"),
    },
    Asset {
        name: "OFL.txt",
        mime: "text/plain; charset=utf-8",
        bytes: include_bytes!("../static/fonts/OFL.txt"),
    },
];

/// The version segment of asset paths: a hash of every asset's bytes, so any change to
/// any asset changes every URL and no browser keeps a stale copy.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    // FNV-1a: not for security, only to tell versions apart.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for a in ASSETS {
        for b in a.name.as_bytes().iter().chain(a.bytes) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:012x}", h & 0xffff_ffff_ffff)
});

/// `GET /static/{version}/{file}`: an asset; cached for a year when the version is current.
pub async fn asset(Path((version, file)): Path<(String, String)>) -> Result<Response, WebError> {
    let a = ASSETS
        .iter()
        .find(|a| a.name == file)
        .ok_or(WebError::NotFound)?;
    let cache = if version == *VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(a.mime)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        a.bytes,
    )
        .into_response())
}
