#include "daemon/check_messages.h"

#include <chrono>

#include "base/text.h"
#include "base/time.h"

namespace loa::check_messages {

namespace {

std::string Str(std::string_view s) { return std::string(s); }

std::string Quote(std::string_view s) { return "\"" + Str(s) + "\""; }

// "7 ngày", "36 giờ": a duration as Vietnamese say it; the config's own
// spelling when it is not a whole number of one unit.
std::string DurationVi(Millis d) {
  using namespace std::chrono;
  auto whole = [&](auto unit, const char* name) -> std::string {
    return d.count() > 0 && d % unit == Millis(0) ? std::to_string(d / unit) + " " + name : "";
  };
  for (const std::string& s : {whole(days(1), "ngày"), whole(hours(1), "giờ"),
                               whole(minutes(1), "phút"), whole(seconds(1), "giây")}) {
    if (!s.empty()) return s;
  }
  return FormatDuration(d);
}

}  // namespace

Text ConfigFile(std::string_view path, const std::vector<std::string>& channels) {
  return {"Cấu hình: " + Str(path) + " (các kênh: " + Join(channels) + ")",
          "Config: " + Str(path) + " (channels: " + Join(channels) + ")"};
}

Text EmbeddedConfig(std::string_view installed, const std::vector<std::string>& channels) {
  return {"Cấu hình: cấu hình mặc định có sẵn của loa, vì không có " + Str(installed) +
              " (các kênh: " + Join(channels) + "). Chọn tệp cấu hình khác bằng --config TỆP.",
          "Config: loa's embedded default, as there is no " + Str(installed) +
              " (channels: " + Join(channels) + "). Name another with --config FILE."};
}

Text ProblemLine(std::string_view field, std::string_view value, std::string_view vi,
                 std::string_view en) {
  Text t{(field.empty() ? std::string("bài viết") : Str(field)) + ": " + Str(vi),
         (field.empty() ? std::string("item") : Str(field)) + ": " + Str(en)};
  if (!value.empty()) {
    t.vi += " (giá trị: " + Str(value) + ")";
    t.en += " (value: " + Str(value) + ")";
  }
  return t;
}

Text DueInPast(std::string_view vi_time, std::string_view en_time,
               const std::vector<std::string>& channels) {
  return {"thời gian đăng " + Str(vi_time) +
              " đã qua: nếu đặt bài vào thư mục nhận bài bây giờ, loa sẽ đăng ngay trên các "
              "kênh " +
              Join(channels) + ".",
          "publish_at " + Str(en_time) +
              " is in the past: dropped now, the item is sent at once on channels " +
              Join(channels) + "."};
}

Text DueBeyondLateness(std::string_view vi_time, std::string_view en_time, Millis max_lateness,
                       const std::vector<std::string>& channels) {
  return {"thời gian đăng " + Str(vi_time) + " đã qua hơn " + DurationVi(max_lateness) +
              " (max_lateness): loa sẽ không đăng mà đánh dấu bỏ lỡ (missed) trên các kênh " +
              Join(channels) + ". Hãy sửa \"publish_at\" nếu vẫn muốn đăng.",
          "publish_at " + Str(en_time) + " is more than max_lateness (" +
              FormatDuration(max_lateness) +
              ") in the past: loa will not send it but mark it missed on channels " +
              Join(channels) + ". Change \"publish_at\" to have it sent."};
}

Text AlreadyPublished(std::string_view id, const std::vector<std::string>& channels) {
  return {"mã bài viết (id) " + Quote(id) + " đã được đăng trên các kênh " + Join(channels) +
              ". Nếu đặt bài này vào thư mục nhận bài, các kênh đó vẫn giữ bài cũ; chỉ các kênh "
              "chưa đăng nhận nội dung mới. Bài mới cần một mã khác.",
          "id " + Quote(id) + " is already published on channels " + Join(channels) +
              ": dropped, this item leaves the old text there and replaces it only on the "
              "channels not published yet. A new item needs a new id."};
}

Text AlreadyQueued(std::string_view id) {
  return {"mã bài viết (id) " + Quote(id) +
              " đã có trong loa nhưng chưa được đăng trên kênh nào: nếu đặt bài này vào thư mục "
              "nhận bài, nó sẽ thay thế bài cũ.",
          "id " + Quote(id) +
              " is already known to loa, not published on any channel: dropped, this item "
              "replaces it."};
}

Text NothingToRetract() {
  return {
      "Không có tin bài nào với id này trong hàng đợi, nên không có gì để gỡ. Hãy kiểm tra "
      "lại id của tin bài cần gỡ.",
      "no item with this id is known, so there is nothing to retract; check the id"};
}

Text DaemonNotAsked(std::string_view why, bool retracts) {
  Text t{"Lưu ý: không hỏi được loa đang chạy (" + Str(why) +
             ") nên chưa kiểm tra được mã bài viết (id) đã được đăng hay chưa.",
         "Note: the running loa could not be asked (" + Str(why) +
             "), so whether the ids are already published was not checked."};
  if (retracts) {
    t.vi +=
        " Cũng chưa kiểm tra được loa có biết mã của các bài cần gỡ (retract) hay không: loa từ "
        "chối lệnh gỡ một mã nó không biết.";
    t.en +=
        " Nor whether loa knows the ids the retract items name: it rejects a retract of an id "
        "it does not know.";
  }
  return t;
}

Text WarningLead() { return {"Cảnh báo: ", "warning: "}; }

Text WarningsKeepExitCode() {
  return {"Cảnh báo không làm bài viết bị từ chối và không thay đổi mã thoát (exit code).",
          "Warnings do not make an item invalid and do not change the exit code."};
}

}  // namespace loa::check_messages
