//! Spark SQL built-in forms of the checks the local engine evaluates with UDFs: IPv6 validity as
//! one regular expression (the grammar Rust's `Ipv6Addr` parser accepts), IPv4/IPv6 CIDR
//! membership by arithmetic on the address's digits, JSON through `try_parse_json` and
//! `json_object_keys`, and date/timestamp parsing through `try_to_timestamp`, as DQX does.

use std::net::IpAddr;

/// One IPv4 octet without leading zeros (0–255).
const OCTET: &str = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

/// An anchored regular expression matching exactly the IPv6 text forms: eight groups of one to
/// four hex digits, at most one `::` standing for one or more zero groups, and an optional dotted
/// IPv4 address in place of the last two groups. Works in Java (Spark) and Rust regex engines.
pub fn ipv6_pattern() -> String {
    let h = "[0-9a-fA-F]{1,4}";
    let v4 = format!("{OCTET}(\\.{OCTET}){{3}}");
    let mut alternatives = Vec::new();
    // `tail` is what fills the last two groups' place: two hex groups, or one IPv4 address.
    for (tail, tail_groups) in [(format!("{h}:{h}"), 2usize), (v4.clone(), 2usize)] {
        let head_groups = 8 - tail_groups;
        // No compression: six groups then the tail.
        alternatives.push(format!("({h}:){{{head_groups}}}{tail}"));
        // `::` somewhere: `left` groups before it, `right` groups after it (ending in the tail),
        // with left + right (counting the tail as its groups) at most 7.
        for left in 0..=7usize {
            for right in 0..=(7 - left) {
                // The groups after `::`, the last `tail_groups` of them being the tail.
                if right > 0 && right < tail_groups && tail == v4 {
                    continue;
                }
                let left_text = match left {
                    0 => String::new(),
                    n => format!("({h}:){{{}}}{h}", n - 1),
                };
                let right_text = if right == 0 {
                    String::new()
                } else if tail == v4 {
                    match right - tail_groups {
                        0 => v4.clone(),
                        n => format!("({h}:){{{n}}}{v4}"),
                    }
                } else {
                    format!("({h}:){{{}}}{h}", right - 1)
                };
                alternatives.push(format!("{left_text}::{right_text}"));
            }
        }
    }
    alternatives.sort();
    alternatives.dedup();
    format!("^({})$", alternatives.join("|"))
}

/// A Spark SQL literal-free expression of `s` (a STRING expression holding a valid IPv6 address)
/// as its 32 lower-case hex digits: the dotted IPv4 tail becomes two groups, `::` becomes the
/// missing zero groups, and every group is padded to four digits.
pub fn spark_ipv6_hex(s: &str) -> String {
    // The IPv4 tail, if any, rewritten as two hex groups.
    let v4 = format!("regexp_extract({s}, '([0-9]+[.][0-9]+[.][0-9]+[.][0-9]+)$', 1)");
    let octet = |i: usize| format!("TRY_CAST(split({v4}, '[.]')[{i}] AS INT)");
    let v4_groups = format!(
        "concat(lpad(hex({} * 256 + {}), 4, '0'), ':', lpad(hex({} * 256 + {}), 4, '0'))",
        octet(0),
        octet(1),
        octet(2),
        octet(3)
    );
    let text = format!(
        "CASE WHEN {v4} = '' THEN {s} ELSE concat(substr({s}, 1, length({s}) - length({v4})), {v4_groups}) END"
    );
    // Groups on each side of `::` (the right side is everything when there is no `::`).
    let parts = |side: &str| format!("filter(split({side}, ':'), __dqx_g -> __dqx_g <> '')");
    let left = format!(
        "CASE WHEN instr({text}, '::') > 0 THEN substring_index({text}, '::', 1) ELSE '' END"
    );
    let right = format!(
        "CASE WHEN instr({text}, '::') > 0 THEN substring_index({text}, '::', -1) ELSE {text} END"
    );
    let (l, r) = (parts(&left), parts(&right));
    format!(
        "lower(array_join(transform(concat({l}, array_repeat('0', 8 - size({l}) - size({r})), {r}), __dqx_g -> lpad(__dqx_g, 4, '0')), ''))"
    )
}

/// A Spark SQL expression of `s` (a STRING holding a valid dotted IPv4 address) as a BIGINT.
pub fn spark_ipv4_number(s: &str) -> String {
    let octet = |i: usize| format!("TRY_CAST(split({s}, '[.]')[{i}] AS BIGINT)");
    format!(
        "({} * 16777216 + {} * 65536 + {} * 256 + {})",
        octet(0),
        octet(1),
        octet(2),
        octet(3)
    )
}

/// Spark SQL: the valid address `s` lies in `network/prefix` (IPv4 arithmetic, or IPv6 compared
/// hex digit by hex digit with the last partial digit masked).
pub fn spark_in_cidr(s: &str, network: IpAddr, prefix: u8) -> String {
    match network {
        IpAddr::V4(n) => {
            let size = 1u64 << (32 - u32::from(prefix));
            let start = (u64::from(u32::from(n)) / size) * size;
            format!(
                "(floor({} / {size}) = {})",
                spark_ipv4_number(s),
                start / size
            )
        }
        IpAddr::V6(n) => {
            let hex = format!("{:032x}", u128::from(n));
            let whole = usize::from(prefix / 4);
            let bits = u32::from(prefix % 4);
            let digits = spark_ipv6_hex(s);
            let mut parts = vec![format!(
                "substr({digits}, 1, {whole}) = '{}'",
                &hex[..whole]
            )];
            if bits > 0 {
                let next = u32::from_str_radix(&hex[whole..=whole], 16).unwrap_or(0);
                parts.push(format!(
                    "shiftright(TRY_CAST(conv(substr({digits}, {}, 1), 16, 10) AS INT), {}) = {}",
                    whole + 1,
                    4 - bits,
                    next >> (4 - bits)
                ));
            }
            format!("({})", parts.join(" AND "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;
    use std::str::FromStr;

    #[test]
    fn the_ipv6_pattern_accepts_what_the_parser_accepts() {
        let re = regex::Regex::new(&ipv6_pattern()).unwrap();
        let cases = [
            "::",
            "::1",
            "1::",
            "2001:db8::8a2e:370:7334",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6::8",
            "1::3:4:5:6:7:8",
            "::ffff:192.168.1.1",
            "1:2:3:4:5:6:1.2.3.4",
            "1::1.2.3.4",
            "::1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "fe80::",
            "1:2:3:4:5:6:7::",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            "12345::",
            "1::2::3",
            ":1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:",
            "::ffff:256.1.1.1",
            "::ffff:01.1.1.1",
            "1:2:3:4:5:6:7:1.2.3.4",
            "g::1",
            "",
            " ::1",
            "::1%eth0",
            "1.2.3.4",
            "1:2:3:4:5:6:7::8",
            ":::",
        ];
        for case in cases {
            assert_eq!(
                re.is_match(case),
                Ipv6Addr::from_str(case).is_ok(),
                "pattern and parser disagree on {case:?}"
            );
        }
    }

    #[test]
    fn cidr_forms_name_the_network() {
        let v4 = spark_in_cidr("x", "10.1.0.0".parse().unwrap(), 16);
        assert!(
            v4.contains(&format!("= {}", (10u64 * 16777216 + 65536) / 65536)),
            "{v4}"
        );
        let v6 = spark_in_cidr("x", "2001:db8::".parse().unwrap(), 33);
        assert!(v6.contains("'20010db8'"), "{v6}");
        assert!(v6.contains("shiftright"), "{v6}");
    }
}
