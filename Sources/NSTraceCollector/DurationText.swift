/// Durations for people: three significant digits and a unit picked per value
/// (`850ns`, `12.3µs`, `4.12ms`, `1.23s`).
public enum DurationText {
    public static func format(_ nanoseconds: UInt64) -> String {
        if nanoseconds < 1_000 { return "\(nanoseconds)ns" }
        let units: [(UInt64, String)] = [(1_000, "µs"), (1_000_000, "ms"), (1_000_000_000, "s")]
        var chosen = units[0]
        for unit in units where nanoseconds >= unit.0 { chosen = unit }
        if chosen.1 == "s" && nanoseconds >= 1_000_000_000_000 {
            return "\(nanoseconds / 1_000_000_000)s"
        }
        return significant(nanoseconds, unit: chosen.0) + chosen.1
    }

    /// `value / unit` with three significant digits, rounded half up, without Foundation.
    private static func significant(_ value: UInt64, unit: UInt64) -> String {
        // value/unit is in [1, 1000): pick decimals so 3 digits show.
        let whole = value / unit
        let decimals = whole >= 100 ? 0 : whole >= 10 ? 1 : 2
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale + unit / 2) / unit   // rounded
        if decimals == 0 { return "\(scaled)" }
        let integer = scaled / scale
        var fraction = String(scaled % scale)
        while fraction.count < decimals { fraction = "0" + fraction }
        return "\(integer).\(fraction)"
    }
}
