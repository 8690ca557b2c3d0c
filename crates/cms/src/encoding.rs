//! Content codings for public text responses: the brotli and gzip copies of a body, made once
//! when it is rendered (not per request), and which copy a request's `Accept-Encoding` takes
//! (RFC 9110 §12.5.3, q-values included).
//!
//! Pure: no IO and no clock; compressing into memory cannot fail in practice, and if it ever
//! did the copy is simply left out and the body goes uncompressed.

use std::io::Write;

use bytes::Bytes;

/// Bodies shorter than this go uncompressed: the saving is a few hundred bytes at most, less
/// than a TCP segment, and would cost a copy per body in the cache.
pub const MIN_SIZE: usize = 512;

/// Brotli quality for what is compressed while a visitor waits (a page missing from the cache,
/// the sitemap, the feed). Quality 5 adds about as much time as gzip level 6 takes (0.15 ms
/// for a 12 KB page) and comes out 10–20% smaller; 9 and 11 cost 4–20 times more
/// (BENCHMARKS.md, "Compression").
pub const PAGE_BROTLI_QUALITY: u32 = 5;

/// Brotli quality for what is compressed once at start (the stylesheet, robots.txt): the best.
pub const STATIC_BROTLI_QUALITY: u32 = 11;

/// gzip level 6: zlib's default, the usual balance of time and size.
const GZIP_LEVEL: u32 = 6;

/// Brotli window: 2^22 bytes (4 MiB), the format's default; far larger than any page.
const BROTLI_WINDOW: u32 = 22;

/// A content coding we send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// The body as it is.
    Identity,
    /// `gzip` (RFC 1952).
    Gzip,
    /// `br` (RFC 7932).
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` value; `None` for the body as it is.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }

    /// Added inside the quotes of an entity tag: each coding is another representation and
    /// needs its own validator (RFC 9110 §8.8.3), or a cache could answer a 304 for the wrong
    /// bytes.
    pub fn etag_suffix(self) -> &'static str {
        match self {
            Coding::Identity => "",
            Coding::Gzip => "-gz",
            Coding::Brotli => "-br",
        }
    }
}

/// A body and its compressed copies. Cloning is cheap (the bytes are shared).
#[derive(Debug, Clone)]
pub struct Encoded {
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

impl Encoded {
    /// The body with a gzip and a brotli copy, each kept only if it is smaller; none for a body
    /// under [`MIN_SIZE`].
    pub fn new(body: Bytes, brotli_quality: u32) -> Encoded {
        if body.len() < MIN_SIZE {
            return Encoded::plain(body);
        }
        let smaller = |c: Option<Vec<u8>>| c.filter(|c| c.len() < body.len()).map(Bytes::from);
        Encoded {
            gzip: smaller(gzip(&body)),
            brotli: smaller(brotli(&body, brotli_quality)),
            identity: body,
        }
    }

    /// The body alone, never compressed (rendered for one request only).
    pub fn plain(body: Bytes) -> Encoded {
        Encoded {
            identity: body,
            gzip: None,
            brotli: None,
        }
    }

    /// The body as it is.
    pub fn identity(&self) -> &Bytes {
        &self.identity
    }

    /// The body in `coding`; the body as it is when there is no such copy.
    pub fn get(&self, coding: Coding) -> &Bytes {
        let copy = match coding {
            Coding::Identity => None,
            Coding::Gzip => self.gzip.as_ref(),
            Coding::Brotli => self.brotli.as_ref(),
        };
        copy.unwrap_or(&self.identity)
    }

    /// The coding to send for these `Accept-Encoding` header values (all of them, in order),
    /// among the copies this body has.
    pub fn choose<'a>(&self, accept_encoding: impl IntoIterator<Item = &'a [u8]>) -> Coding {
        if self.gzip.is_none() && self.brotli.is_none() {
            return Coding::Identity;
        }
        let prefs = Prefs::parse(accept_encoding);
        let offered = [
            (Coding::Brotli, self.brotli.is_some()),
            (Coding::Gzip, self.gzip.is_some()),
        ];
        prefs.pick(offered.iter().filter(|(_, has)| *has).map(|(c, _)| *c))
    }

    /// Bytes held, all copies together (for the cache's memory bound).
    pub fn len(&self) -> usize {
        self.identity.len()
            + self.gzip.as_ref().map_or(0, Bytes::len)
            + self.brotli.as_ref().map_or(0, Bytes::len)
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.identity.is_empty()
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let out = Vec::with_capacity(body.len() / 3);
    let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::new(GZIP_LEVEL));
    enc.write_all(body).ok()?;
    enc.finish().ok()
}

fn brotli(body: &[u8], quality: u32) -> Option<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: i32::try_from(quality.min(11)).unwrap_or(11),
        lgwin: i32::try_from(BROTLI_WINDOW).unwrap_or(22),
        size_hint: body.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(body.len() / 3);
    let mut input = body;
    brotli::BrotliCompress(&mut input, &mut out, &params).ok()?;
    Some(out)
}

/// The q-values (in thousandths) a request gave, per coding we know; `None`: not named.
#[derive(Debug, Default, PartialEq)]
struct Prefs {
    brotli: Option<u16>,
    gzip: Option<u16>,
    identity: Option<u16>,
    any: Option<u16>,
}

impl Prefs {
    /// Reads `coding[;q=value]` items separated by commas. An item whose q-value is not one
    /// (`q=2`, `q=abc`) is ignored, as is an unknown coding; a coding named twice keeps its
    /// first q-value.
    fn parse<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Prefs {
        let mut prefs = Prefs::default();
        for item in values.into_iter().flat_map(|v| v.split(|b| *b == b',')) {
            let mut parts = item.split(|b| *b == b';');
            let name = parts.next().unwrap_or_default().trim_ascii();
            let mut q = Some(1000);
            for param in parts {
                let (key, value) = match param.iter().position(|b| *b == b'=') {
                    Some(i) => (&param[..i], &param[i + 1..]),
                    None => (param, &b""[..]),
                };
                if key.trim_ascii().eq_ignore_ascii_case(b"q") {
                    q = qvalue(value.trim_ascii());
                }
            }
            let Some(q) = q else { continue };
            let slot = if name.eq_ignore_ascii_case(b"br") {
                &mut prefs.brotli
            } else if name.eq_ignore_ascii_case(b"gzip") || name.eq_ignore_ascii_case(b"x-gzip") {
                &mut prefs.gzip
            } else if name.eq_ignore_ascii_case(b"identity") {
                &mut prefs.identity
            } else if name == b"*" {
                &mut prefs.any
            } else {
                continue;
            };
            slot.get_or_insert(q);
        }
        prefs
    }

    /// The best of `offered` (most preferred first on equal q), or the body as it is when the
    /// request accepts none of them or explicitly rates `identity` higher. The body as it is
    /// is also the answer when even that was refused (`identity;q=0`): a readable answer beats
    /// a 406 for a page.
    fn pick(&self, offered: impl Iterator<Item = Coding>) -> Coding {
        let mut best: Option<(Coding, u16)> = None;
        for coding in offered {
            let named = match coding {
                Coding::Brotli => self.brotli,
                Coding::Gzip => self.gzip,
                Coding::Identity => continue,
            };
            let q = named.or(self.any).unwrap_or(0);
            if q > 0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((coding, q));
            }
        }
        match (best, self.identity) {
            (Some((_, q)), Some(identity)) if identity > q => Coding::Identity,
            (Some((coding, _)), _) => coding,
            (None, _) => Coding::Identity,
        }
    }
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` in thousandths.
fn qvalue(v: &[u8]) -> Option<u16> {
    let (int, frac) = match v.iter().position(|b| *b == b'.') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &b""[..]),
    };
    if frac.len() > 3 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, d) in frac.iter().enumerate() {
        thousandths += u16::from(d - b'0') * [100, 10, 1][i];
    }
    match int {
        b"0" => Some(thousandths),
        b"1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn page() -> Encoded {
        let html = "<p>Het weer in Utrecht is vandaag wisselvallig.</p>\n".repeat(40);
        Encoded::new(Bytes::from(html), PAGE_BROTLI_QUALITY)
    }

    fn choose(accept: &str) -> Coding {
        page().choose([accept.as_bytes()])
    }

    #[test]
    fn brotli_first_then_gzip() {
        assert_eq!(choose("gzip, deflate, br, zstd"), Coding::Brotli);
        assert_eq!(choose("gzip, deflate"), Coding::Gzip);
        assert_eq!(choose("x-gzip"), Coding::Gzip);
        assert_eq!(choose("BR"), Coding::Brotli, "case-insensitive");
        assert_eq!(choose("deflate, zstd"), Coding::Identity);
        assert_eq!(page().choose([]), Coding::Identity, "no header: as it is");
        assert_eq!(choose(""), Coding::Identity);
    }

    #[test]
    fn q_values_are_honoured() {
        assert_eq!(choose("br;q=0, gzip"), Coding::Gzip);
        assert_eq!(choose("br; q=0.000, gzip;q=0.1"), Coding::Gzip);
        assert_eq!(choose("br;q=0.5, gzip;q=0.8"), Coding::Gzip);
        assert_eq!(choose("br;q=0.8, gzip;q=0.8"), Coding::Brotli, "equal: br");
        assert_eq!(choose("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(choose("gzip;q=0.5, identity;q=1"), Coding::Identity);
        assert_eq!(choose("gzip;q=1, identity;q=0.5"), Coding::Gzip);
        assert_eq!(choose("br;q=1.0"), Coding::Brotli);
        assert_eq!(choose("br;q=1.000;foo=bar"), Coding::Brotli);
    }

    #[test]
    fn any_covers_what_is_not_named() {
        assert_eq!(choose("*"), Coding::Brotli);
        assert_eq!(choose("br;q=0, *"), Coding::Gzip);
        assert_eq!(choose("*;q=0"), Coding::Identity);
        assert_eq!(choose("*;q=0, gzip"), Coding::Gzip);
        assert_eq!(choose("identity, *;q=0"), Coding::Identity);
        assert_eq!(
            choose("identity;q=0"),
            Coding::Identity,
            "nothing else accepted"
        );
    }

    #[test]
    fn garbage_is_ignored_item_by_item() {
        assert_eq!(choose("br;q=2, gzip"), Coding::Gzip);
        assert_eq!(choose("br;q=abc"), Coding::Identity);
        assert_eq!(choose("br;q=0.1234, gzip;q=1.5"), Coding::Identity);
        assert_eq!(choose("br;q=-1, br;q=.5"), Coding::Identity);
        assert_eq!(choose(",,; ;=, br"), Coding::Brotli);
        assert_eq!(choose("\u{e9}br, gz\u{0}ip"), Coding::Identity);
        assert_eq!(
            choose("br;;q=0"),
            Coding::Identity,
            "a q after an empty parameter"
        );
        assert_eq!(choose(&"a,".repeat(10_000)), Coding::Identity);
        assert_eq!(page().choose([&[0xff, 0xfe][..], b"br"]), Coding::Brotli);
        assert_eq!(choose("br;q=0, br"), Coding::Identity, "the first q stands");
    }

    #[test]
    fn several_header_lines_count_together() {
        assert_eq!(
            page().choose([&b"gzip"[..], b"br;q=0.9", b"x"]),
            Coding::Gzip
        );
        assert_eq!(page().choose([&b"identity"[..], b"br"]), Coding::Brotli);
    }

    #[test]
    fn qvalues() {
        assert_eq!(qvalue(b"0"), Some(0));
        assert_eq!(qvalue(b"0."), Some(0));
        assert_eq!(qvalue(b"0.5"), Some(500));
        assert_eq!(qvalue(b"0.05"), Some(50));
        assert_eq!(qvalue(b"0.123"), Some(123));
        assert_eq!(qvalue(b"1"), Some(1000));
        assert_eq!(qvalue(b"1.000"), Some(1000));
        for bad in [
            &b"1.001"[..],
            b"2",
            b"0.1234",
            b"",
            b".5",
            b"0.a",
            b"01",
            b"1e0",
        ] {
            assert_eq!(qvalue(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn copies_decode_to_the_body() {
        let p = page();
        let mut out = Vec::new();
        brotli::Decompressor::new(&p.get(Coding::Brotli)[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, p.identity()[..]);
        out.clear();
        flate2::read::GzDecoder::new(&p.get(Coding::Gzip)[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, p.identity()[..]);
        assert!(p.get(Coding::Brotli).len() < p.identity().len() / 5);
        assert!(p.len() > p.identity().len());
    }

    #[test]
    fn small_bodies_stay_as_they_are() {
        let small = Encoded::new(Bytes::from("x".repeat(MIN_SIZE - 1)), 11);
        assert_eq!(small.choose([&b"br, gzip"[..]]), Coding::Identity);
        assert_eq!(small.len(), MIN_SIZE - 1);
        let plain = Encoded::plain(page().identity().clone());
        assert_eq!(plain.choose([&b"br"[..]]), Coding::Identity);
    }

    #[test]
    fn incompressible_bodies_stay_as_they_are() {
        // A xorshift stream: no repeats for gzip or brotli to find.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect();
        let e = Encoded::new(Bytes::from(noise), PAGE_BROTLI_QUALITY);
        assert_eq!(e.choose([&b"br, gzip"[..]]), Coding::Identity);
    }
}
