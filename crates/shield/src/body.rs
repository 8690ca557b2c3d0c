//! Splitting query strings and bodies into the fields the rules look at.

/// A field to inspect.
pub enum Field {
    /// A name and its value (form, JSON, multipart).
    Pair(String, String),
    /// A body read as one text (XML, anything unparsable).
    Whole(String),
    /// An uploaded file's field name and file name (multipart).
    File(String, String),
}

/// `a=1&b=2` into pairs, `+` as space; values stay percent-encoded (normalisation decodes).
pub fn pairs(q: &str) -> impl Iterator<Item = (String, String)> + '_ {
    q.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (n, v) = p.split_once('=').unwrap_or((p, ""));
        (n.replace('+', " "), v.replace('+', " "))
    })
}

/// The fields of a body by its content type. Unknown types are read as one text.
pub fn fields(content_type_as_sent: &str, body: &[u8]) -> Vec<Field> {
    let text = String::from_utf8_lossy(body);
    let content_type = content_type_as_sent.to_ascii_lowercase();
    let content_type = content_type.as_str();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return pairs(&text).map(|(n, v)| Field::Pair(n, v)).collect();
    }
    if content_type.starts_with("application/json") {
        let mut out = Vec::new();
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => json(&v, "", 0, &mut out),
            Err(_) => out.push(Field::Whole(text.into_owned())),
        }
        return out;
    }
    if content_type.starts_with("multipart/form-data")
        && let Some(boundary) = boundary(content_type_as_sent)
    {
        return multipart(&text, &boundary);
    }
    vec![Field::Whole(text.into_owned())]
}

fn json(v: &serde_json::Value, name: &str, depth: usize, out: &mut Vec<Field>) {
    if depth > 32 {
        return;
    }
    match v {
        serde_json::Value::String(s) => out.push(Field::Pair(name.to_string(), s.clone())),
        serde_json::Value::Array(items) => items.iter().for_each(|i| json(i, name, depth + 1, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                // Keys are names too (`{"$where": ...}`).
                out.push(Field::Pair(k.clone(), String::new()));
                json(v, k, depth + 1, out);
            }
        }
        _ => {}
    }
}

fn boundary(content_type: &str) -> Option<String> {
    let at = content_type.to_ascii_lowercase().find("boundary=")? + "boundary=".len();
    let b = content_type[at..]
        .split(';')
        .next()?
        .trim()
        .trim_matches('"');
    (!b.is_empty() && b.len() <= 200).then(|| b.to_string())
}

/// Field names, file names and the values of text fields of a multipart body.
fn multipart(text: &str, boundary: &str) -> Vec<Field> {
    let delimiter = format!("--{boundary}");
    let mut out = Vec::new();
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let (head, body) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.split_once("\n\n"))
            .unwrap_or((part, ""));
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or("");
        let param = |key: &str| {
            let lower = disposition.to_ascii_lowercase();
            let at = lower.find(&format!("{key}="))? + key.len() + 1;
            let rest = &disposition[at..];
            let rest = rest
                .strip_prefix('"')
                .map(|r| r.split('"').next().unwrap_or(""))
                .unwrap_or_else(|| rest.split(';').next().unwrap_or(""));
            Some(rest.to_string())
        };
        let name = param("name").unwrap_or_default();
        match param("filename") {
            Some(file) => out.push(Field::File(name, file)),
            None => out.push(Field::Pair(
                name,
                body.trim_end_matches(['\r', '\n']).to_string(),
            )),
        }
        // Headers of the part can carry payloads too (CRS 922 rules).
        for line in head.lines().filter(|l| !l.trim().is_empty()) {
            out.push(Field::Whole(line.to_string()));
        }
    }
    out
}
