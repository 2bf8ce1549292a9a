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

Text DueOutsideWindow(std::string_view vi_time, std::string_view en_time, std::string_view window,
                      std::string_view vi_at, std::string_view en_at,
                      const std::vector<std::string>& channels) {
  return {"thời gian đăng " + Str(vi_time) + " đã qua, nhưng các kênh " + Join(channels) +
              " chỉ đăng trong khung giờ " + Str(window) +
              " (window): nếu đặt bài vào thư mục nhận bài bây giờ, loa sẽ đăng trên các kênh "
              "đó lúc " +
              Str(vi_at) + ".",
          "publish_at " + Str(en_time) + " is in the past, but channels " + Join(channels) +
              " publish only within " + Str(window) +
              " (window): dropped now, the item is sent on them at " + Str(en_at) + "."};
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

Text AlreadyKept(std::string_view id, const KeptChannels& kept) {
  if (kept.under_way.empty() && kept.taken_down.empty()) {
    return {"mã bài viết (id) " + Quote(id) + " đã được đăng trên các kênh " +
                Join(kept.published) +
                ". Nếu đặt bài này vào thư mục nhận bài, các kênh đó vẫn giữ bài cũ; chỉ các "
                "kênh chưa đăng nhận nội dung mới. Bài mới cần một mã khác.",
            "id " + Quote(id) + " is already published on channels " + Join(kept.published) +
                ": dropped, this item leaves the old text there and replaces it only on the "
                "channels not published yet. A new item needs a new id."};
  }
  std::vector<std::string> vi, en, vi_then, en_then;
  if (!kept.published.empty()) {
    vi.push_back("đã được đăng trên các kênh " + Join(kept.published));
    en.push_back("published on channels " + Join(kept.published));
  }
  if (!kept.under_way.empty()) {
    vi.push_back("đang được gửi hoặc chưa rõ kết quả trên các kênh " + Join(kept.under_way));
    en.push_back("being sent, or of unknown outcome, on channels " + Join(kept.under_way));
  }
  if (!kept.taken_down.empty()) {
    vi.push_back("đã được gỡ khỏi các kênh " + Join(kept.taken_down));
    en.push_back("taken down from channels " + Join(kept.taken_down));
  }
  // A delivery under way may be on its channel already: it keeps what it
  // carries, as a published one does.
  if (!kept.published.empty() || !kept.under_way.empty()) {
    vi_then.push_back("kênh đã có hoặc có thể đã có bài vẫn giữ bài cũ");
    en_then.push_back("those that have it, or may have it, keep the old text");
  }
  if (!kept.taken_down.empty()) {
    vi_then.push_back("kênh đã gỡ bài không đăng lại");
    en_then.push_back("those it was taken down from do not get it again");
  }
  return {"mã bài viết (id) " + Quote(id) + " " + Join(vi, "; ") +
              ". Nếu đặt bài này vào thư mục nhận bài, nội dung mới không tới các kênh đó: " +
              Join(vi_then, ", ") +
              "; chỉ các kênh còn lại nhận nội dung mới. Bài mới cần một mã khác.",
          "id " + Quote(id) + " is already " + Join(en, "; ") +
              ": dropped, this item does not reach those channels (" + Join(en_then, "; ") +
              ") and replaces it only on the other channels. A new item needs a new id."};
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
