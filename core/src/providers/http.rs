//! Plain descriptions of HTTP exchanges: what a provider adapter asks the host to send
//! and what the host hands back. The core never opens a socket; hosts move the bytes
//! (a blocking client in the CLI, `fetch` in JS, anything in C).

use std::fmt::Write as _;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Header names and values, in order (names lowercase).
    pub headers: Vec<(String, String)>,
    /// The body (empty for `GET`).
    pub body: Vec<u8>,
    /// Give up after this long (the whole exchange, connect to last byte).
    pub timeout_ms: u64,
    /// Refuse a response body longer than this (a host should stop reading there).
    pub max_response_bytes: u64,
}

/// Headers that carry a provider key: a host never sends them to another origin (a
/// keyed request is not followed across redirects).
pub const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "x-key", "x-goog-api-key"];

impl Request {
    /// Whether the request carries a key ([`CREDENTIAL_HEADERS`]): its host must not
    /// follow redirects.
    pub fn carries_credentials(&self) -> bool {
        self.headers
            .iter()
            .any(|(k, _)| CREDENTIAL_HEADERS.iter().any(|c| k.eq_ignore_ascii_case(c)))
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

/// A response the host received.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// True when the request's time ran out.
    pub timeout: bool,
    /// What happened (connection refused, DNS, TLS, body too large, ...).
    pub message: String,
}

/// What the host answers for a request.
pub type HttpReply = std::result::Result<Response, TransportError>;

/// A `multipart/form-data` body under construction.
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
struct Part {
    name: String,
    file: Option<(String, String)>,
    body: Vec<u8>,
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: impl Into<String>) -> Self {
        self.parts.push(Part {
            name: name.into(),
            file: None,
            body: value.into().into_bytes(),
        });
        self
    }

    /// Adds a file field.
    pub fn file(mut self, name: &str, filename: &str, mime: &str, bytes: Vec<u8>) -> Self {
        self.parts.push(Part {
            name: name.into(),
            file: Some((filename.into(), mime.into())),
            body: bytes,
        });
        self
    }

    /// The `content-type` header value and the body. The boundary is derived from the
    /// content (no randomness) and checked not to occur in any part.
    pub fn finish(self) -> (String, Vec<u8>) {
        let mut seed = 0xcbf2_9ce4_8422_2325u64;
        for p in &self.parts {
            for &b in p.name.as_bytes().iter().chain(&p.body) {
                seed = (seed ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        let boundary = (0u64..)
            .map(|i| format!("outpaint-{:016x}", seed.wrapping_add(i)))
            .find(|b| !self.parts.iter().any(|p| contains(&p.body, b.as_bytes())))
            .expect("some boundary is free");
        let mut body = Vec::new();
        for p in self.parts {
            let mut head = format!(
                "--{boundary}\r\ncontent-disposition: form-data; name=\"{}\"",
                p.name
            );
            if let Some((filename, mime)) = &p.file {
                let _ = write!(head, "; filename=\"{filename}\"\r\ncontent-type: {mime}");
            }
            head.push_str("\r\n\r\n");
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(&p.body);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// `application/x-www-form-urlencoded`-style escaping of a URL path segment or query
/// value: unreserved characters kept, everything else `%XX`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_body_is_exact() {
        let (ct, body) = Multipart::new()
            .text("prompt", "a lake")
            .file("image", "image.png", "image/png", b"PNGDATA".to_vec())
            .finish();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        assert!(boundary.starts_with("outpaint-"));
        let expected = format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"prompt\"\r\n\r\na lake\r\n\
             --{boundary}\r\ncontent-disposition: form-data; name=\"image\"; filename=\"image.png\"\r\n\
             content-type: image/png\r\n\r\nPNGDATA\r\n--{boundary}--\r\n"
        );
        assert_eq!(String::from_utf8(body).unwrap(), expected);
    }

    #[test]
    fn parts_split_back_exactly_even_when_they_look_like_boundaries() {
        let tricky = b"\r\n--outpaint-0000000000000000\r\nnot a boundary".to_vec();
        let (ct, body) = Multipart::new()
            .file("a", "a.bin", "application/octet-stream", tricky.clone())
            .text("b", "two")
            .finish();
        let boundary = ct.rsplit('=').next().unwrap();
        assert!(!contains(&tricky, boundary.as_bytes()));
        let sep = format!("\r\n--{boundary}");
        let text = [b"\r\n".as_slice(), &body].concat();
        let pieces: Vec<&[u8]> = split(&text, sep.as_bytes());
        // "", part a, part b, "--\r\n"
        assert_eq!(pieces.len(), 4);
        let payload = |p: &[u8]| {
            let at = p.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            p[at + 4..].to_vec()
        };
        assert_eq!(payload(pieces[1]), tricky);
        assert_eq!(payload(pieces[2]), b"two");
    }

    fn split<'a>(hay: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i + sep.len() <= hay.len() {
            if &hay[i..i + sep.len()] == sep {
                out.push(&hay[start..i]);
                i += sep.len();
                start = i;
            } else {
                i += 1;
            }
        }
        out.push(&hay[start..]);
        out
    }

    #[test]
    fn escape_keeps_unreserved() {
        assert_eq!(escape("flux-pro 1.1/x?y=z"), "flux-pro%201.1%2Fx%3Fy%3Dz");
    }

    #[test]
    fn header_lookup_ignores_case() {
        let r = Response {
            status: 429,
            headers: vec![("Retry-After".into(), "7".into())],
            body: vec![],
        };
        assert_eq!(r.header("retry-after"), Some("7"));
        assert_eq!(r.header("x-nope"), None);
    }
}
