/// A small, self-contained model of one scrape (families of series) and its renderers
/// to Prometheus text format 0.0.4 and OpenMetrics 1.0.
///
/// Rules the renderers enforce, whatever the caller passes:
/// - families in name order, series in label-value order (stable output for golden tests);
/// - label values escaped (`\` → `\\`, `"` → `\"`, LF → `\n`), HELP escaped per format;
/// - histogram buckets cumulative with canonical `le` strings, `+Inf` equal to `_count`;
/// - counters: 0.0.4 names the sample (`x_total`) in TYPE, OpenMetrics the family (`x`);
/// - OpenMetrics ends in `# EOF\n`, 0.0.4 ends with a newline after the last sample.

public enum ExpositionFormat: Sendable, Equatable {
    case prometheus   // text/plain; version=0.0.4
    case openMetrics  // application/openmetrics-text; version=1.0.0

    public var contentType: String {
        switch self {
        case .prometheus: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }
}

public enum MetricKind: Sendable, Equatable {
    case counter    // family name without `_total`; samples are `name_total`
    case gauge
    case histogram  // family name is the base (`…_seconds`); samples `_bucket`, `_sum`, `_count`
    case info       // family name without `_info`; one sample `name_info{…} 1`
}

/// Histogram bucket upper bounds: the value in nanoseconds (what the collector's
/// histogram is queried with) and the canonical OpenMetrics `le` string (Go `%g`,
/// `.0` appended when it has neither `.` nor an exponent).
public struct BucketBound: Sendable, Equatable {
    public let nanoseconds: UInt64
    public let le: String
    public init(nanoseconds: UInt64, le: String) {
        self.nanoseconds = nanoseconds
        self.le = le
    }
}

public struct HistogramValue: Sendable, Equatable {
    /// Cumulative counts, one per bound of the family's layout (without `+Inf`).
    public var cumulativeCounts: [UInt64]
    public var count: UInt64
    public var sumSeconds: Double
    public init(cumulativeCounts: [UInt64], count: UInt64, sumSeconds: Double) {
        self.cumulativeCounts = cumulativeCounts
        self.count = count
        self.sumSeconds = sumSeconds
    }
}

public enum SampleValue: Sendable, Equatable {
    case integer(UInt64)
    case double(Double)
    case histogram(HistogramValue)
}

public struct Series: Sendable, Equatable {
    /// Label names and values, in the order they are printed.
    public var labels: [(name: String, value: String)]
    public var value: SampleValue

    public init(labels: [(name: String, value: String)] = [], value: SampleValue) {
        self.labels = labels
        self.value = value
    }

    public static func == (a: Series, b: Series) -> Bool {
        a.value == b.value && a.labels.count == b.labels.count
            && zip(a.labels, b.labels).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

public struct MetricFamily: Sendable, Equatable {
    public var name: String
    public var kind: MetricKind
    public var help: String
    /// OpenMetrics `# UNIT`; the family name must end in `_<unit>`.
    public var unit: String?
    /// For histograms: the bucket bounds every series uses.
    public var buckets: [BucketBound]
    public var series: [Series]

    public init(name: String, kind: MetricKind, help: String, unit: String? = nil,
                buckets: [BucketBound] = [], series: [Series]) {
        self.name = name
        self.kind = kind
        self.help = help
        self.unit = unit
        self.buckets = buckets
        self.series = series
    }
}

public enum Exposition {
    /// Renders `families` as UTF-8 bytes in `format`.
    public static func render(_ families: [MetricFamily], format: ExpositionFormat) -> [UInt8] {
        var out = TextBuffer()
        out.reserve(16_384)
        for family in families.sorted(by: { $0.name < $1.name }) {
            renderFamily(family, format: format, into: &out)
        }
        if format == .openMetrics { out.append("# EOF\n") }
        return out.bytes
    }

    public static func renderString(_ families: [MetricFamily], format: ExpositionFormat) -> String {
        String(decoding: render(families, format: format), as: UTF8.self)
    }

    private static func renderFamily(_ family: MetricFamily, format: ExpositionFormat, into out: inout TextBuffer) {
        let om = format == .openMetrics
        // The name the metadata lines use.
        let metaName: String
        let typeName: String
        switch (family.kind, om) {
        case (.counter, false): metaName = family.name + "_total"; typeName = "counter"
        case (.counter, true): metaName = family.name; typeName = "counter"
        case (.gauge, _): metaName = family.name; typeName = "gauge"
        case (.histogram, _): metaName = family.name; typeName = "histogram"
        case (.info, false): metaName = family.name + "_info"; typeName = "gauge"
        case (.info, true): metaName = family.name; typeName = "info"
        }
        if om {
            out.append("# TYPE "); out.append(metaName); out.append(" "); out.append(typeName); out.append("\n")
            if let unit = family.unit {
                out.append("# UNIT "); out.append(metaName); out.append(" "); out.append(unit); out.append("\n")
            }
            out.append("# HELP "); out.append(metaName); out.append(" "); out.appendEscaped(family.help, quotes: true)
            out.append("\n")
        } else {
            out.append("# HELP "); out.append(metaName); out.append(" "); out.appendEscaped(family.help, quotes: false)
            out.append("\n")
            out.append("# TYPE "); out.append(metaName); out.append(" "); out.append(typeName); out.append("\n")
        }

        let sorted = family.series.sorted { a, b in
            for (x, y) in zip(a.labels, b.labels) where x.value != y.value || x.name != y.name {
                return x.name == y.name ? x.value < y.value : x.name < y.name
            }
            return a.labels.count < b.labels.count
        }
        for series in sorted {
            switch series.value {
            case .integer(let value):
                out.appendSampleName(family.name, kind: family.kind)
                out.appendLabels(series.labels, extra: nil)
                out.append(" "); out.append(value); out.append("\n")
            case .double(let value):
                out.appendSampleName(family.name, kind: family.kind)
                out.appendLabels(series.labels, extra: nil)
                out.append(" "); out.append(formatDouble(value)); out.append("\n")
            case .histogram(let histogram):
                var previous: UInt64 = 0
                for (index, bound) in family.buckets.enumerated() {
                    // Cumulative whatever the caller passed; never above the total count.
                    let raw = index < histogram.cumulativeCounts.count ? histogram.cumulativeCounts[index] : previous
                    let value = min(max(raw, previous), histogram.count)
                    previous = value
                    out.append(family.name); out.append("_bucket")
                    out.appendLabels(series.labels, extra: ("le", bound.le))
                    out.append(" "); out.append(value); out.append("\n")
                }
                out.append(family.name); out.append("_bucket")
                out.appendLabels(series.labels, extra: ("le", "+Inf"))
                out.append(" "); out.append(histogram.count); out.append("\n")
                out.append(family.name); out.append("_sum")
                out.appendLabels(series.labels, extra: nil)
                out.append(" "); out.append(formatDouble(histogram.sumSeconds)); out.append("\n")
                out.append(family.name); out.append("_count")
                out.appendLabels(series.labels, extra: nil)
                out.append(" "); out.append(histogram.count); out.append("\n")
            }
        }
    }

    /// A float both formats accept: always with a `.` or an exponent (`1.0`, `2.5e-05`).
    static func formatDouble(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        return value.description
    }
}

/// UTF-8 output buffer with the escaping rules of the text formats.
struct TextBuffer {
    var bytes: [UInt8] = []

    mutating func reserve(_ capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func append(_ value: UInt64) {
        if value == 0 { bytes.append(UInt8(ascii: "0")); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }

    /// HELP text: `\` and LF always; `"` too in OpenMetrics.
    mutating func appendEscaped(_ text: String, quotes: Bool) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\"") where quotes: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\""))
            default: bytes.append(byte)
            }
        }
    }

    mutating func appendSampleName(_ name: String, kind: MetricKind) {
        append(name)
        switch kind {
        case .counter: append("_total")
        case .info: append("_info")
        case .gauge, .histogram: break
        }
    }

    mutating func appendLabels(_ labels: [(name: String, value: String)], extra: (String, String)?) {
        if labels.isEmpty && extra == nil { return }
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for label in labels {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            append(label.name); append("=\""); appendEscaped(label.value, quotes: true); append("\"")
        }
        if let (name, value) = extra {
            if !first { bytes.append(UInt8(ascii: ",")) }
            append(name); append("=\""); appendEscaped(value, quotes: true); append("\"")
        }
        bytes.append(UInt8(ascii: "}"))
    }
}
