/// Draws a `TimelineModel` for a terminal: a row per span, grouped and indented by process,
/// `@offset +duration` like systemd-analyze critical-chain, and a bar scaled to the width.
struct TimelineRenderer {
    let model: TimelineModel
    let columns: Int
    let style: TextStyle

    private struct Row {
        var label: String
        var span: TimelineModel.Span?
        var isHeader: Bool
    }

    func render() -> String {
        var out = headline() + "\n\n"
        var rows: [Row] = []
        let hasParent = model.processes.contains { $0.stage == .parent }
        for process in model.processes {
            let depth = Int(process.stage.rawValue) - (hasParent ? 0 : 2) - (process.stage == .parent ? 0 : 1)
            let indent = String(repeating: "  ", count: max(0, depth))
            var label = indent + process.stage.name
            if let pid = process.pid { label += " pid \(pid)" }
            if let nsPid = process.nsPid, nsPid != process.pid { label += " (ns pid \(nsPid))" }
            rows.append(Row(label: label, span: process.own, isHeader: true))
            for span in process.steps {
                var stepLabel = indent + "  " + span.step
                if !span.detail.isEmpty { stepLabel += " " + span.detail }
                rows.append(Row(label: stepLabel, span: span, isHeader: false))
            }
        }
        let labelWidth = min(44, max(20, rows.map { $0.label.count }.max() ?? 20))
        let barWidth = max(10, columns - labelWidth - 1 - 10 - 10 - 2)
        let originNs = model.originNs
        var endNs = originNs
        for process in model.processes {
            for span in [process.own].compactMap({ $0 }) + process.steps {
                endNs = max(endNs, span.endNs ?? span.startNs)
            }
        }
        let rangeNs = max(endNs - originNs, 1)

        for row in rows {
            var label = String(row.label.prefix(labelWidth))
            if label.count < row.label.count { label = String(label.dropLast()) + "…" }
            guard let span = row.span else {
                out += (row.isHeader ? style.bold(label) : label) + "\n"
                continue
            }
            let marker = span.failed ? "✗" : span.endNs == nil ? "▶" : " "
            let labelText = label + String(repeating: " ", count: max(0, labelWidth - label.count))
            var line = (row.isHeader ? style.bold(labelText) : labelText) + (span.failed ? style.boldRed(marker) : marker)
            line += leftPad("@" + DurationText.format(span.startNs - originNs), 10)
            let duration: String
            if span.isPoint {
                duration = "event"
            } else if let end = span.endNs {
                duration = "+" + DurationText.format(end - span.startNs)
            } else {
                duration = "+?"
            }
            line += leftPad(duration, 10) + "  "
            line += bar(for: span, originNs: originNs, rangeNs: rangeNs, width: barWidth)
            out += line + "\n"
            if span.failed && (!span.errorName.isEmpty || !span.error.isEmpty) {
                var note = String(repeating: " ", count: min(labelWidth, row.label.prefix { $0 == " " }.count + 4)) + "✗ "
                if !span.errnoName.isEmpty {
                    note += span.errnoName + (span.errnoValue.map { " (errno \($0))" } ?? "") + ": "
                }
                note += span.error.isEmpty ? "failed" : span.error
                out += style.red(note) + "\n"
            }
        }
        return out
    }

    private func headline() -> String {
        var text = style.bold("Trace \(model.traceID)") + "  "
        switch model.outcome {
        case .ok:
            text += style.green("ok") + " in " + DurationText.format(model.latencyNs)
        case .failed:
            text += style.boldRed("failed") + " after " + DurationText.format(model.latencyNs)
            if let failure = model.failure {
                text += ": " + failure.description
                if !model.failureMessage.isEmpty { text += ": " + model.failureMessage }
            }
        case .incomplete:
            text += style.yellow("incomplete") + " after " + DurationText.format(model.latencyNs)
            if let step = model.openStep {
                let place = Stage(name: step.step) == step.stage.process ? step.stage.name : step.description
                text += ": the trace ends in " + place
            }
        }
        return text + "  (\(model.lineCount) lines)"
    }

    private func bar(for span: TimelineModel.Span, originNs: UInt64, rangeNs: UInt64, width: Int) -> String {
        let startColumn = min(width - 1, Int((span.startNs - originNs) * UInt64(width) / rangeNs))
        let lead = String(repeating: " ", count: startColumn)
        if span.isPoint { return lead + style.cyan("◆") }
        guard let end = span.endNs else {
            // Open-ended: from its start to the right edge.
            let length = max(1, width - startColumn)
            return lead + style.yellow(String(repeating: "░", count: length - 1) + "▶")
        }
        let endColumn = Int(((end - originNs) * UInt64(width) + rangeNs - 1) / rangeNs)
        let length = max(1, min(width, endColumn) - startColumn)
        let body = String(repeating: "█", count: length)
        return lead + (span.failed ? style.boldRed(body) : style.dim(body))
    }
}

private extension TimelineModel.Span {
    var errorName: String { errnoName }
}
