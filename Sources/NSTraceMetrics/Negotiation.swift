/// Content negotiation for `GET /metrics`.
///
/// OpenMetrics 1.0 is served when the `Accept` header lists `application/openmetrics-text`
/// (with `version=1.0.0` or no version) at a quality above zero and at least as high as
/// the quality it gives Prometheus text; otherwise 0.0.4, which every scraper must accept.
/// Prometheus 2.42 sends
/// `application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`.
extension ExpositionFormat {
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept, !accept.isEmpty else { return .prometheus }
        var openMetricsQuality = -1.0
        var textQuality = -1.0
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { trim($0) }
            guard let mediaType = parts.first?.lowercased() else { continue }
            var quality = 1.0
            var version: String?
            for parameter in parts.dropFirst() {
                guard let equals = parameter.firstIndex(of: "=") else { continue }
                let key = trim(parameter[..<equals]).lowercased()
                var value = trim(parameter[parameter.index(after: equals)...])
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                    value = String(value.dropFirst().dropLast())
                }
                if key == "q" { quality = Double(value).map { min(max($0, 0), 1) } ?? 0 }
                if key == "version" { version = value }
            }
            switch mediaType {
            case "application/openmetrics-text":
                if version == nil || version == "1.0.0" { openMetricsQuality = max(openMetricsQuality, quality) }
            case "text/plain":
                if version == nil || version == "0.0.4" { textQuality = max(textQuality, quality) }
            case "text/*", "*/*":
                textQuality = max(textQuality, quality)
            default:
                break
            }
        }
        if openMetricsQuality > 0 && openMetricsQuality >= textQuality { return .openMetrics }
        return .prometheus
    }

    private static func trim(_ text: Substring) -> String {
        var slice = text
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
