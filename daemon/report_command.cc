#include "daemon/report_command.h"

#include <filesystem>
#include <iostream>

#include "base/fs.h"
#include "base/log.h"
#include "base/text.h"
#include "daemon/control_client.h"
#include "daemon/operator_commands.h"
#include "daemon/report.h"
#include "daemon/report_render.h"

namespace loa {

namespace {

namespace fs = std::filesystem;

// Without --format: what the file's name says (the Office writes
// bao-cao-quy-4.html to print it), else Markdown, which reads well in a
// terminal.
ReportFormat ChosenFormat(const std::string& format, const std::string& out) {
  if (auto named = ParseReportFormat(format)) return *named;
  const std::string ext = AsciiLower(fs::path(out).extension().string());
  if (ext == ".html" || ext == ".htm") return ReportFormat::kHtml;
  if (ext == ".csv") return ReportFormat::kCsv;
  if (ext == ".json") return ReportFormat::kJson;
  return ReportFormat::kMarkdown;
}

}  // namespace

ReportCommand::ReportCommand(CLI::App& app) {
  report_ = app.add_subcommand(
      "report",
      "the Office's report of a period: what was published, by channel, topic, form and unit, "
      "with links; failed, missed and uncertain deliveries");
  report_->add_option("--config", config_path_,
                      "the daemon's config file, where its control address is; default: "
                      "/etc/loa/loa.json when it exists, else the embedded one");
  report_->add_option("--from", from_, "first day of the period, YYYY-MM-DD (local)")->required();
  report_->add_option("--to", to_, "last day of the period, YYYY-MM-DD (local, included)")
      ->required();
  report_
      ->add_option("--format", format_,
                   "csv, html, json or md; default: from the --out file's extension, else md")
      ->check(CLI::IsMember({"csv", "html", "json", "md"}));
  report_->add_option("--out", out_,
                      "write the report to this file (replaced atomically, mode 0640) instead of "
                      "printing it");
}

std::optional<int> ReportCommand::Run() const {
  if (!*report_) return std::nullopt;
  auto endpoint = ChosenEndpoint(config_path_);
  if (!endpoint.ok()) {
    LogError("loa report: " + endpoint.error());
    return kOperatorUsage;
  }
  // The daemon checks the period too; checked here first, a typo is a
  // usage error without a call.
  auto period = ParseReportPeriod(from_, to_, endpoint->zone);
  if (!period.ok()) {
    LogError("loa report: " + period.error());
    return kOperatorUsage;
  }
  if (report_->count("--out") > 0 && out_.empty()) {
    LogError("loa report: --out: give a file name (or leave --out out to print the report)");
    return kOperatorUsage;
  }
  const ReportFormat format = ChosenFormat(format_, out_);
  // Asked as JSON and printed here with the daemon's own renderers, so that
  // every format comes through the one JSON answer the client reads.
  ControlClient client(std::move(endpoint).value());
  ControlReply reply = client.Get(
      "/api/report", {{"from", period->from_date}, {"to", period->to_date}, {"format", "json"}});
  if (!reply.ok) {
    LogError("loa report: " + reply.failure.message);
    return OperatorExitCode(reply.failure);
  }
  auto report = ReportFromJson(reply.body);
  if (!report.ok()) {
    LogError("loa report: " + report.error());
    return kOperatorRefused;
  }
  const std::string text = RenderReport(*report, format);
  if (out_.empty()) {
    std::cout << text;
    std::cout.flush();
    return kOperatorOk;
  }
  if (Status written = WriteFileAtomic(out_, text, 0640); !written.ok()) {
    LogError("loa report: cannot write " + Quoted(out_) + ": " + written.error());
    return kOperatorRefused;
  }
  std::cout << "wrote " << EscapeForLog(out_) << " (" << ReportFormatName(format)
            << "): " << report->items << " items, " << report->publications << " publications, "
            << report->problems.size() << " to handle, " << VietnameseDate(report->from_date)
            << " to " << VietnameseDate(report->to_date) << "\n";
  std::cout.flush();
  return kOperatorOk;
}

}  // namespace loa
