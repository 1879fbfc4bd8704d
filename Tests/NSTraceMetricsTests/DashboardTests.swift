import Foundation
import NSTraceMetrics
import NSTraceTestSupport
import Testing

/// dashboards/: the rules pass `promtool check rules` and their unit tests, the Grafana
/// dashboard is importable in shape and every query parses as PromQL; and the end-to-end
/// run against a real Prometheus (tools/prometheus-e2e).
@Suite struct DashboardTests {
    static let dashboards = TestBinaries.packageRoot.appendingPathComponent("dashboards")

    @Test func rulesCheckAndUnitTestsPass() throws {
        let rules = Self.dashboards.appendingPathComponent("nstrace-rules.yml").path
        let check = try runProgram("/usr/bin/promtool", ["check", "rules", rules])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("SUCCESS: 8 rules found"))
        let test = try runProgram("/usr/bin/promtool",
                                  ["test", "rules", Self.dashboards.appendingPathComponent("nstrace-rules.test.yml").path])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("SUCCESS"))
    }

    /// Every metric name a rule or panel uses is one nstrace exports (recording-rule names,
    /// `level:metric:operation`, are not matched).
    static func exportedSeriesNames() -> Set<String> {
        var names: Set<String> = []
        for family in MetricsSnapshot(version: "x").families() {
            switch family.kind {
            case .counter: names.insert(family.name + "_total")
            case .info: names.insert(family.name + "_info")
            case .gauge: names.insert(family.name)
            case .histogram: names.formUnion(["_bucket", "_sum", "_count"].map { family.name + $0 })
            }
        }
        return names
    }

    static func metricNames(in expr: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: #"(?<![:\w])nstrace_[a-z_]+(?![:\w])"#)
        let range = NSRange(expr.startIndex..., in: expr)
        return Set(regex.matches(in: expr, range: range).map { String(expr[Range($0.range, in: expr)!]) })
    }

    @Test func dashboardIsImportableAndItsQueriesParse() throws {
        let data = try Data(contentsOf: Self.dashboards.appendingPathComponent("nstrace-grafana.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["uid", "title", "panels", "schemaVersion", "templating", "time", "__inputs"] {
            #expect(dashboard[key] != nil, "missing \(key)")
        }
        let inputs = try #require(dashboard["__inputs"] as? [[String: Any]])
        #expect(inputs.contains { $0["name"] as? String == "DS_PROMETHEUS" && $0["pluginId"] as? String == "prometheus" })
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var exprs: [String] = []
        var ids: Set<Int> = []
        var titles: [String] = []
        for panel in panels {
            let id = try #require(panel["id"] as? Int)
            #expect(ids.insert(id).inserted, "duplicate panel id \(id)")
            let grid = try #require(panel["gridPos"] as? [String: Int])
            #expect(Set(grid.keys) == ["x", "y", "w", "h"] && grid["x"]! + grid["w"]! <= 24)
            if panel["type"] as? String == "row" { continue }
            titles.append(panel["title"] as? String ?? "")
            let datasource = try #require(panel["datasource"] as? [String: String])
            #expect(datasource["uid"] == "${DS_PROMETHEUS}")
            let targets = try #require(panel["targets"] as? [[String: Any]])
            #expect(!targets.isEmpty)
            for target in targets {
                #expect(target["refId"] is String)
                exprs.append(try #require(target["expr"] as? String))
            }
        }
        // The panels the issue asks for.
        for wanted in ["Start rate by result", "Start latency p50 / p90 / p99", "Per-step p99",
                       "Failures by step and errno", "Incomplete starts by last step", "Lost trace events"] {
            #expect(titles.contains(wanted), "\(wanted)")
        }
        #expect(exprs.contains { $0.contains("histogram_quantile(0.99") && $0.contains("nstrace_start_duration_seconds_bucket") })
        #expect(panels.contains { $0["type"] as? String == "heatmap" })

        let exported = Self.exportedSeriesNames()
        for expr in exprs {
            #expect(Self.metricNames(in: expr).isSubset(of: exported), "\(expr) uses an unknown metric")
        }

        // PromQL syntax through promtool: each expression as a recording rule.
        let substitutions = ["$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h",
                             "$job": ".*", "$stage": ".*", "$step": ".*"]
        var yaml = "groups:\n  - name: dashboard\n    rules:\n"
        for (index, expr) in exprs.enumerated() {
            var concrete = expr
            for (key, value) in substitutions { concrete = concrete.replacingOccurrences(of: key, with: value) }
            #expect(!concrete.contains("$"), "unsubstituted macro in \(expr)")
            yaml += "      - record: dashboard:expr_\(index)\n        expr: '\(concrete.replacingOccurrences(of: "'", with: "''"))'\n"
        }
        let dir = try TemporaryDirectoryScope()
        try yaml.write(toFile: dir.path("exprs.yml"), atomically: true, encoding: .utf8)
        let check = try runProgram("/usr/bin/promtool", ["check", "rules", dir.path("exprs.yml")])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func rulesUseOnlyExportedMetrics() throws {
        let rules = try String(contentsOf: Self.dashboards.appendingPathComponent("nstrace-rules.yml"), encoding: .utf8)
        let used = Self.metricNames(in: rules)
        #expect(!used.isEmpty)
        #expect(used.isSubset(of: Self.exportedSeriesNames()), "\(used.subtracting(Self.exportedSeriesNames()))")
    }

    /// A real Prometheus scraping `nstrace serve` (about 15 s).
    @Test(.timeLimit(.minutes(2))) func prometheusEndToEnd() throws {
        let script = TestBinaries.packageRoot.appendingPathComponent("tools/prometheus-e2e").path
        var environment = ProcessInfo.processInfo.environment
        environment["NSTRACE_BUILD_DIR"] = TestBinaries.buildDirectory.path
        let result = try runProgram("/bin/bash", [script], environment: environment, timeout: 110)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS prometheus-e2e"))
        #expect(result.stdout.contains("failed starts, as summary says"))
    }
}
