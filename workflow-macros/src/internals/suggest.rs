//! "Did you mean `X`?" for names that match no variant.

use proc_macro2::Ident;

/// The candidate closest to `name`, if it is close enough to be a plausible typo: a
/// case-insensitive match, or at most one edit per three characters.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| {
            let distance = if candidate.eq_ignore_ascii_case(name) {
                0
            } else {
                edit_distance(name, candidate)
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= limit)
        // `min_by_key` keeps the first of equals: ties go to declaration order.
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// An error for `ident`, which is not a variant of `type_name`.
pub fn unknown(kind: &str, ident: &Ident, type_name: &Ident, variants: &[Ident]) -> syn::Error {
    let name = ident.to_string();
    let names: Vec<String> = variants.iter().map(Ident::to_string).collect();
    let mut message = format!("unknown {kind} `{name}`: `{type_name}` has no such variant");
    match closest(&name, names.iter().map(String::as_str)) {
        Some(best) => message.push_str(&format!("; did you mean `{best}`?")),
        None => message.push_str(&format!(" (expected one of: {})", names.join(", "))),
    }
    syn::Error::new(ident.span(), message)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}
