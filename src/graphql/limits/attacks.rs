//! The heavy documents a security review sent as an anonymous client; the tests
//! and the benchmark use them to check that they stay refused.

/// Three hops therapy → condition → therapy under a page of 100 therapies, and
/// `aliases` aliases of `slug` at the leaf (took 34 s and 9.3 GB before limits).
pub fn nested_aliases(aliases: usize) -> String {
    let leaf: String = (0..aliases).map(|i| format!("a{i}: slug ")).collect();
    let hop = |inner: &str| format!("conditions {{ condition {{ therapies {{ therapy {{ {inner} }} }} }} }}");
    let inner = hop(&hop(&hop(&format!("conditions {{ condition {{ {leaf} }} }}"))));
    format!("{{ therapies(first: 100) {{ nodes {{ {inner} }} }} }}")
}

/// The same with one hop fewer: it fits the depth limit, so only its price refuses it.
pub fn nested_aliases_two_hops(aliases: usize) -> String {
    nested_aliases(aliases)
        .replacen("conditions { condition { therapies { therapy { ", "", 1)
        .replacen(" } } } }", "", 1)
}

/// Ten fragments, each spreading the next ten times, `levels` deep: 10^levels
/// expansions from a document of a few hundred bytes.
pub fn fragment_bomb(levels: usize) -> String {
    let mut text = String::from("{ ...F0 }\n");
    for level in 0..levels {
        let next = if level + 1 == levels {
            "__typename".to_owned()
        } else {
            format!(" ...F{}", level + 1).repeat(10)
        };
        text.push_str(&format!("fragment F{level} on QueryRoot {{ {next} }}\n"));
    }
    text
}
