//! Network addresses: IPv4 and IPv6 addresses, and whether they lie in a CIDR block.

use super::ColumnRule;
use crate::engine::compile::{
    CompileContext, CompiledRule, Result, Skip, arg_str, row_check, spark_forms,
};
use crate::engine::sql::Dialect;
use crate::engine::udf::parse_cidr;

/// DQX's IPv4 pattern: four decimal octets, no leading zeros, nothing around them.
const IPV4_PATTERN: &str = r"^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$";

pub(super) fn is_valid_ipv4_address(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("NOT {}", r.cx.dialect.regex_like(&r.cs, IPV4_PATTERN)),
        r.value_in("does not match pattern 'IPV4_ADDRESS'"),
    ))
}

pub(super) fn is_valid_ipv6_address(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    Ok(row_check(
        format!("NOT {}", is_ipv6(r.cx, &r.cs)),
        r.value_in("does not match pattern 'IPV6_ADDRESS'"),
    ))
}

/// `is_ipv4_address_in_cidr` and `is_ipv6_address_in_cidr`: an invalid address fails with the
/// pattern message, a valid one outside the block with the CIDR message.
pub(super) fn is_ip_address_in_cidr(r: &ColumnRule<'_>) -> Result<CompiledRule> {
    let cx = r.cx;
    let cs = &r.cs;
    let cidr = arg_str(r.args, "cidr_block");
    let v4 = r.rule.function == "is_ipv4_address_in_cidr";
    let parsed = parse_cidr(cidr).filter(|(addr, _)| addr.is_ipv4() == v4);
    let Some((network, prefix)) = parsed else {
        let family = if v4 { "IPv4" } else { "IPv6" };
        return Err(Skip(format!(
            "Check evaluation skipped: CIDR block '{cidr}' is not a valid {family} CIDR block."
        )));
    };
    let (valid, pattern) = if v4 {
        (cx.dialect.regex_like(cs, IPV4_PATTERN), "IPV4_ADDRESS")
    } else {
        (is_ipv6(cx, cs), "IPV6_ADDRESS")
    };
    let inside = match cx.dialect {
        Dialect::DataFusion => format!("dqx_ip_in_cidr({cs}, {})", cx.lit(cidr)),
        Dialect::Spark => spark_forms::spark_in_cidr(cs, network, prefix),
    };
    // CASE, not OR: the address arithmetic only ever sees valid addresses.
    Ok(row_check(
        format!("(CASE WHEN NOT {valid} THEN TRUE ELSE NOT {inside} END)"),
        format!(
            "CASE WHEN NOT {valid} THEN {} ELSE {} END",
            r.value_in(&format!("does not match pattern '{pattern}'")),
            r.value_in(&format!("is not in the CIDR block '{cidr}'"))
        ),
    ))
}

/// TRUE when `cs` is an IPv6 address in any of its text forms.
fn is_ipv6(cx: &CompileContext<'_>, cs: &str) -> String {
    match cx.dialect {
        Dialect::DataFusion => format!("dqx_is_ipv6({cs})"),
        Dialect::Spark => cx.dialect.regex_like(cs, &spark_forms::ipv6_pattern()),
    }
}
