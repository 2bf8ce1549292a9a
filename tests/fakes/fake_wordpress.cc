#include "tests/fakes/fake_wordpress.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "base/clock.h"
#include "base/time.h"

namespace loa::fakes {

namespace {

using nlohmann::json;

constexpr const char* kPostsRoute = "/wp-json/wp/v2/posts";
constexpr const char* kMediaRoute = "/wp-json/wp/v2/media";

void SendError(httplib::Response& res, int status, const std::string& code,
               const std::string& message, json extra_data = json::object()) {
  json data = std::move(extra_data);
  data["status"] = status;
  res.status = status;
  res.set_content(json{{"code", code}, {"message", message}, {"data", data}}.dump(),
                  "application/json; charset=UTF-8");
}

std::string DecodeBase64(const std::string& in) {
  if (in.empty() || in.size() % 4 != 0) return "";
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return "";
  out.resize(static_cast<size_t>(n));
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) out.pop_back();
  return out;
}

// WordPress compares application passwords with everything but letters and
// digits removed (wp_authenticate_application_password).
std::string AlnumOnly(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

// WP_REST_Attachments_Controller::get_filename_from_disposition.
std::string FilenameFromDisposition(const std::string& header) {
  size_t semi = header.find(';');
  if (semi == std::string::npos) return "";
  std::string filename;
  size_t pos = semi + 1;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    size_t eq = part.find('=');
    if (eq != std::string::npos) {
      auto trim = [](std::string s) {
        s.erase(0, s.find_first_not_of(" \t"));
        s.erase(s.find_last_not_of(" \t") + 1);
        return s;
      };
      std::string key = trim(part.substr(0, eq));
      std::string value = trim(part.substr(eq + 1));
      if (key == "filename") {
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
          value = value.substr(1, value.size() - 2);
        }
        filename = value;
      }
    }
    pos = end + 1;
  }
  return filename;
}

std::string WpDate() {
  std::string s = FormatUtc(SystemClock().Now(), false);
  s.pop_back();  // WordPress dates carry no zone designator
  return s;
}

bool IsPublicStatus(const std::string& status) {
  return status == "publish" || status == "future" || status == "private";
}

const std::vector<std::string> kStatuses = {"publish", "future", "draft", "pending", "private"};
// What a list may filter on besides (register_post_status; "any" is every
// status but trash).
const std::vector<std::string> kListStatuses = {"publish", "future", "draft", "pending",
                                                "private", "trash",  "any"};

char AsciiLowerChar(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLowerChar(c);
  return out;
}

// MySQL's LIKE '%needle%' under a case-insensitive collation, for ASCII.
bool ContainsNoCase(std::string_view haystack, std::string_view needle) {
  return AsciiLower(haystack).find(AsciiLower(needle)) != std::string::npos;
}

// Removes "<...>" tags (strip_tags, roughly).
std::string StripTags(std::string_view s) {
  std::string out;
  bool in_tag = false;
  for (char c : s) {
    if (c == '<') in_tag = true;
    if (!in_tag) out += c;
    if (c == '>') in_tag = false;
  }
  return out;
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// sanitize_text_field, which the REST API applies to `search`: tags
// stripped, white space collapsed and trimmed, %XX octets removed.
std::string SanitizeTextField(std::string_view in) {
  std::string s = in.find('<') != std::string_view::npos ? StripTags(in) : std::string(in);
  std::string collapsed;
  for (char c : s) {
    bool space = c == '\r' || c == '\n' || c == '\t' || c == ' ';
    if (space) {
      if (collapsed.empty() || collapsed.back() != ' ') collapsed += ' ';
    } else {
      collapsed += c;
    }
  }
  std::string out;
  for (size_t i = 0; i < collapsed.size(); ++i) {
    if (collapsed[i] == '%' && i + 2 < collapsed.size() && IsHexDigit(collapsed[i + 1]) &&
        IsHexDigit(collapsed[i + 2])) {
      i += 2;
      continue;
    }
    out += collapsed[i];
  }
  out.erase(0, out.find_first_not_of(' '));
  out.erase(out.find_last_not_of(' ') + 1);
  return out;
}

// WP_Query::parse_search: the terms of a search string. A quoted phrase is
// one term; otherwise terms are split at tabs, spaces, quotes, commas and
// plus signs; single letters and a lone '-' are dropped (stopwords are not
// modelled); no terms or more than nine means the whole string.
std::vector<std::string> SearchTerms(const std::string& search) {
  std::string s;
  for (char c : search) {
    if (c != '\r' && c != '\n') s += c;
  }
  auto separator = [](char c) { return c == '\t' || c == ' ' || c == '"' || c == ',' || c == '+'; };
  std::vector<std::string> raw;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '"') {
      size_t close = s.find('"', i + 1);
      size_t end = close == std::string::npos ? s.size() : close + 1;
      raw.push_back(s.substr(i, end - i));
      i = end;
    } else if (!separator(s[i]) && (i == 0 || separator(s[i - 1]))) {
      size_t end = i;
      while (end < s.size() && !separator(s[end])) ++end;
      raw.push_back(s.substr(i, end - i));
      i = end;
    } else {
      ++i;
    }
  }
  std::vector<std::string> terms;
  for (std::string term : raw) {
    const bool phrase = term.size() >= 3 && term.front() == '"' && term.back() == '"';
    const char* trim = phrase ? "\"'" : "\"' ";
    term.erase(0, term.find_first_not_of(trim));
    size_t last = term.find_last_not_of(trim);
    term.erase(last == std::string::npos ? 0 : last + 1);
    if (term.empty()) continue;
    if (term.size() == 1 && (std::isalpha(static_cast<unsigned char>(term[0])) || term[0] == '-')) {
      continue;
    }
    terms.push_back(term);
  }
  if (terms.empty() || terms.size() > 9) terms = {s};
  return terms;
}

// wp_kses_split2 on HTML comments, for a user without unfiltered_html:
// every run of '-' inside a comment becomes one '-', and a '-' just before
// the closing "-->" goes.
std::string KsesComments(const std::string& content) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = content.find("<!--", pos);
    if (open == std::string::npos) break;
    size_t close = content.find("-->", open + 4);
    size_t inner_end = close == std::string::npos ? content.size() : close;
    out += content.substr(pos, open - pos);
    std::string inner;
    for (size_t i = open + 4; i < inner_end; ++i) {
      if (content[i] == '-' && !inner.empty() && inner.back() == '-') continue;
      inner += content[i];
    }
    if (!inner.empty() && inner.back() == '-') inner.pop_back();
    if (!inner.empty()) out += "<!--" + inner + "-->";
    pos = close == std::string::npos ? content.size() : close + 3;
  }
  out += content.substr(pos);
  return out;
}

bool ParsePositiveInt(const std::string& text, int64_t max, int64_t* out) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  int64_t v = std::stoll(text);
  if (v < 1 || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

std::string FakeWordPress::SanitizeTitle(std::string_view title) {
  // strip_tags, then percent signs that are not part of an octet go.
  std::string stripped = StripTags(title);
  std::string s;
  for (size_t i = 0; i < stripped.size(); ++i) {
    if (stripped[i] == '%' &&
        !(i + 2 < stripped.size() && IsHexDigit(stripped[i + 1]) && IsHexDigit(stripped[i + 2]))) {
      continue;
    }
    s += stripped[i];
  }
  // mb_strtolower + utf8_uri_encode (max 200 octets) for the ASCII part.
  std::string encoded;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      static const char kHex[] = "0123456789abcdef";
      encoded += '%';
      encoded += kHex[u >> 4];
      encoded += kHex[u & 0xF];
    } else {
      encoded += AsciiLowerChar(c);
    }
  }
  if (encoded.size() > 200) encoded.resize(200);
  // "save" context: nbsp, ndash and mdash become '-'.
  for (const char* dash : {"%c2%a0", "%e2%80%93", "%e2%80%94"}) {
    for (size_t at; (at = encoded.find(dash)) != std::string::npos;) {
      encoded.replace(at, std::string_view(dash).size(), "-");
    }
  }
  // Kill entities ("&.+?;").
  std::string no_entities;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '&') {
      size_t semi = encoded.find(';', i + 2);
      if (semi != std::string::npos) {
        i = semi;
        continue;
      }
    }
    no_entities += encoded[i];
  }
  // '.' -> '-'; only [%a-z0-9 _-] stays; white space -> '-'; runs of '-'
  // -> '-'; '-' trimmed.
  std::string kept;
  for (char c : no_entities) {
    if (c == '.') c = '-';
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '%' || c == ' ' ||
              c == '_' || c == '-' || c == '\t' || c == '\n' || c == '\r';
    if (!ok) continue;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') c = '-';
    if (c == '-' && !kept.empty() && kept.back() == '-') continue;
    kept += c;
  }
  kept.erase(0, kept.find_first_not_of('-'));
  size_t last = kept.find_last_not_of('-');
  kept.erase(last == std::string::npos ? 0 : last + 1);
  return kept;
}

FakeWordPress::FakeWordPress(std::string username, std::string app_password)
    : username_(std::move(username)), password_(AlnumOnly(app_password)) {
  Route();
  Start();
}

FakeWordPress::~FakeWordPress() { Stop(); }

std::vector<FakeWordPress::Post> FakeWordPress::posts() const {
  std::lock_guard lock(mu_);
  return posts_;
}

std::vector<FakeWordPress::Media> FakeWordPress::media() const {
  std::lock_guard lock(mu_);
  return media_;
}

std::vector<FakeWordPress::Request> FakeWordPress::requests() const { return requests_.All(); }

size_t FakeWordPress::CountRequests(const std::string& method, const std::string& path) const {
  return requests_.CountIf([&](const Request& r) { return r.method == method && r.path == path; });
}

void FakeWordPress::InjectFault(const Fault& fault, int count) { faults_.Push(fault, count); }

void FakeWordPress::FailNext(int count, int status, std::optional<std::string> retry_after) {
  Fault f;
  f.status = status;
  f.retry_after = std::move(retry_after);
  InjectFault(f, count);
}

void FakeWordPress::DropAfterCreateNext(int count, std::chrono::milliseconds hang) {
  std::lock_guard lock(mu_);
  drops_left_ = count;
  drop_hang_ = hang;
}

void FakeWordPress::FailAfterCreateNext(int count, int status) {
  std::lock_guard lock(mu_);
  fail_after_create_left_ = count;
  fail_after_create_status_ = status;
}

void FakeWordPress::HangBeforeCreateNext(int count, std::chrono::milliseconds hang) {
  std::lock_guard lock(mu_);
  hangs_before_create_left_ = count;
  hang_before_create_ = hang;
}

bool FakeWordPress::WaitForHangingCreate(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return hang_cv_.wait_for(lock, timeout, [&] { return creates_hanging_ > 0; });
}

void FakeWordPress::SetUnfilteredHtml(bool unfiltered) {
  std::lock_guard lock(mu_);
  unfiltered_html_ = unfiltered;
}

void FakeWordPress::SetCanPublish(bool can_publish) {
  std::lock_guard lock(mu_);
  can_publish_ = can_publish;
}

void FakeWordPress::SetCanDelete(bool can_delete) {
  std::lock_guard lock(mu_);
  can_delete_ = can_delete;
}

FakeWordPress::Post FakeWordPress::AddPost(const std::string& slug, const std::string& status,
                                           const std::string& title, const std::string& content) {
  std::lock_guard lock(mu_);
  return InsertPostLocked(slug, status, title, content);
}

FakeWordPress::Post FakeWordPress::InsertPostLocked(const std::string& slug,
                                                    const std::string& status,
                                                    const std::string& title,
                                                    const std::string& content) {
  Post p;
  p.id = next_id_++;
  p.status = status;
  p.title = title;
  p.content = unfiltered_html_ ? content : KsesComments(content);
  p.committed_at = SystemClock().Now();
  // wp_insert_post: the slug asked for goes through sanitize_title; without
  // one, a post that is not a draft takes its title's.
  p.slug = SanitizeTitle(slug);
  if (p.slug.empty() && IsPublicStatus(status)) p.slug = SanitizeTitle(title);
  // A trashed post gives its slug up ("<slug>__trashed") to a new post
  // (wp_add_trashed_suffix_to_post_name_for_trashed_posts).
  if (status != "trash" && !p.slug.empty()) {
    for (Post& q : posts_) {
      if (q.status == "trash" && q.slug == p.slug) q.slug += "__trashed";
    }
  }
  // wp_unique_post_slug: drafts and pending posts keep the slug asked for;
  // published ones get "-2", "-3", ... when any post holds it, silently.
  if (IsPublicStatus(status) && !p.slug.empty()) {
    const std::string base = p.slug;
    auto taken = [&](const std::string& s) {
      return std::any_of(posts_.begin(), posts_.end(), [&](const Post& q) { return q.slug == s; });
    };
    for (int n = 2; taken(p.slug); ++n) p.slug = base + "-" + std::to_string(n);
  }
  p.link = status == "publish" ? base_url() + "/" + p.slug + "/"
                               : base_url() + "/?p=" + std::to_string(p.id);
  posts_.push_back(p);
  return p;
}

json FakeWordPress::PostJson(const Post& p, bool edit) const {
  std::string date = WpDate();
  json post{
      {"id", p.id},
      {"date", date},
      {"date_gmt", date},
      {"guid",
       {{"rendered", base_url() + "/?p=" + std::to_string(p.id)},
        {"raw", base_url() + "/?p=" + std::to_string(p.id)}}},
      {"modified", date},
      {"modified_gmt", date},
      {"password", ""},
      {"slug", p.slug},
      {"status", p.status},
      {"type", "post"},
      {"link", p.link},
      {"title", {{"raw", p.title}, {"rendered", p.title}}},
      {"content",
       {{"raw", p.content}, {"rendered", p.content}, {"protected", false}, {"block_version", 0}}},
      {"excerpt", {{"raw", p.excerpt}, {"rendered", p.excerpt}, {"protected", false}}},
      {"author", 1},
      {"featured_media", p.featured_media},
      {"comment_status", "open"},
      {"ping_status", "open"},
      {"sticky", false},
      {"template", ""},
      {"format", "standard"},
      {"meta", json::array()},
      {"categories", p.categories},
      {"tags", json::array()},
      {"_links",
       {{"self",
         json::array({{{"href", base_url() + kPostsRoute + "/" + std::to_string(p.id)}}})}}},
  };
  if (!edit) {
    // The view context has no raw fields (WP_REST_Posts_Controller schema).
    for (const char* key : {"guid", "title", "content", "excerpt"}) post[key].erase("raw");
  }
  return post;
}

bool FakeWordPress::Authenticated(const httplib::Request& req) const {
  std::string header = req.get_header_value("Authorization");
  if (header.rfind("Basic ", 0) != 0) return false;
  std::string decoded = DecodeBase64(header.substr(6));
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  return decoded.substr(0, colon) == username_ && AlnumOnly(decoded.substr(colon + 1)) == password_;
}

void FakeWordPress::Record(const httplib::Request& req, int status) {
  Request r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params[k] = v;
  r.content_type = req.get_header_value("Content-Type");
  r.content_disposition = req.get_header_value("Content-Disposition");
  r.authenticated = Authenticated(req);
  r.body_size = req.body.size();
  r.status = status;
  requests_.Add(std::move(r));
}

bool FakeWordPress::TakeFault(const httplib::Request& req, httplib::Response& res) {
  std::optional<Fault> fault = faults_.TakeFirst([&](const Fault& x) {
    return (x.method.empty() || x.method == req.method) && (x.path.empty() || x.path == req.path);
  });
  if (!fault) return false;
  const Fault& f = *fault;
  if (f.retry_after) res.set_header("Retry-After", *f.retry_after);
  if (!f.code.empty()) {
    SendError(res, f.status, f.code, f.message);
  } else if (f.status == 503) {
    // What wp_maintenance() and most proxies send: HTML, not JSON.
    res.status = 503;
    res.set_content(
        "<!DOCTYPE html><html><body><p>Briefly unavailable for scheduled maintenance. Check back "
        "in a minute.</p></body></html>",
        "text/html; charset=utf-8");
  } else if (f.status == 500) {
    SendError(res, 500, "internal_server_error",
              "<p>There has been a critical error on this website.</p>");
  } else {
    SendError(res, f.status, "fake_fault", "Injected fault.");
  }
  return true;
}

void FakeWordPress::Route() {
  server().Get(kPostsRoute, [this](const httplib::Request& req, httplib::Response& res) {
    if (!TakeFault(req, res)) HandleListPosts(req, res);
    Record(req, res.status);
  });
  server().Post(kPostsRoute, [this](const httplib::Request& req, httplib::Response& res) {
    bool dropped = false;
    if (!TakeFault(req, res)) dropped = HandleCreatePost(req, res);
    Record(req, dropped ? 0 : res.status);
  });
  server().Post(kMediaRoute, [this](const httplib::Request& req, httplib::Response& res) {
    if (!TakeFault(req, res)) HandleUploadMedia(req, res);
    Record(req, res.status);
  });
  server().Delete(std::string(kPostsRoute) + R"(/(\d+))",
                  [this](const httplib::Request& req, httplib::Response& res) {
                    if (!TakeFault(req, res)) HandleDeletePost(req, res);
                    Record(req, res.status);
                  });
  auto no_route = [this](const httplib::Request& req, httplib::Response& res) {
    if (!TakeFault(req, res)) {
      SendError(res, 404, "rest_no_route",
                "No route was found matching the URL and request method.");
    }
    Record(req, res.status);
  };
  server().Get(".*", no_route);
  server().Post(".*", no_route);
  server().Put(".*", no_route);
  server().Delete(".*", no_route);
}

void FakeWordPress::HandleListPosts(const httplib::Request& req, httplib::Response& res) {
  bool authed = Authenticated(req);
  std::vector<std::string> statuses = req.has_param("status")
                                          ? SplitComma(req.get_param_value("status"))
                                          : std::vector<std::string>{"publish"};
  for (const std::string& s : statuses) {
    if (std::find(kListStatuses.begin(), kListStatuses.end(), s) == kListStatuses.end()) {
      SendError(res, 400, "rest_invalid_param", "Invalid parameter(s): status",
                {{"params",
                  {{"status",
                    "status[0] is not one of publish, future, draft, "
                    "pending, private, trash, auto-draft, inherit, request-"
                    "pending, request-confirmed, request-failed, "
                    "request-completed, any."}}}});
      return;
    }
    if (s != "publish" && !authed) {
      SendError(res, 401, "rest_forbidden_status", "Status is forbidden.");
      return;
    }
  }
  const bool any = std::find(statuses.begin(), statuses.end(), "any") != statuses.end();
  const bool edit = req.get_param_value("context") == "edit";
  if (edit && !authed) {
    SendError(res, 401, "rest_forbidden_context",
              "Sorry, you are not allowed to edit posts in this post type.");
    return;
  }
  int64_t per_page = 10;
  int64_t page = 1;
  if (req.has_param("per_page") &&
      !ParsePositiveInt(req.get_param_value("per_page"), 100, &per_page)) {
    SendError(res, 400, "rest_invalid_param", "Invalid parameter(s): per_page",
              {{"params",
                {{"per_page",
                  "per_page must be between 1 (inclusive) and 100 "
                  "(inclusive)"}}}});
    return;
  }
  if (req.has_param("page") &&
      !ParsePositiveInt(req.get_param_value("page"), 1'000'000'000, &page)) {
    SendError(res, 400, "rest_invalid_param", "Invalid parameter(s): page",
              {{"params", {{"page", "page must be greater than or equal to 1"}}}});
    return;
  }
  // wp_parse_slug_list: each slug asked for goes through sanitize_title.
  std::vector<std::string> slugs;
  for (const std::string& slug : SplitComma(req.get_param_value("slug"))) {
    slugs.push_back(SanitizeTitle(slug));
  }
  std::vector<std::string> terms;
  if (req.has_param("search")) {
    std::string search = SanitizeTextField(req.get_param_value("search"));
    if (!search.empty()) terms = SearchTerms(search);
  }
  auto matches_search = [&](const Post& p) {
    for (const std::string& term : terms) {
      // wp_query_search_exclusion_prefix: a term starting with '-' excludes.
      const bool exclude = term.size() > 1 && term[0] == '-';
      const std::string needle = exclude ? term.substr(1) : term;
      const bool found = ContainsNoCase(p.title, needle) || ContainsNoCase(p.excerpt, needle) ||
                         ContainsNoCase(p.content, needle);
      if (found == exclude) return false;
    }
    return true;
  };
  // orderby date (the default) or id; newest first unless order=asc.
  const bool ascending = req.get_param_value("order") == "asc";
  std::vector<Post> matched;
  {
    std::lock_guard lock(mu_);
    for (const Post& p : posts_) {
      const bool status_ok =
          (any && p.status != "trash") ||
          std::find(statuses.begin(), statuses.end(), p.status) != statuses.end();
      if (!status_ok) continue;
      if (!slugs.empty() && std::find(slugs.begin(), slugs.end(), p.slug) == slugs.end()) continue;
      if (!matches_search(p)) continue;
      matched.push_back(p);
    }
  }
  std::sort(matched.begin(), matched.end(),
            [&](const Post& a, const Post& b) { return ascending ? a.id < b.id : a.id > b.id; });
  const int64_t total = static_cast<int64_t>(matched.size());
  const int64_t pages = (total + per_page - 1) / per_page;
  if (page > pages && total > 0) {
    SendError(res, 400, "rest_post_invalid_page_number",
              "The page number requested is larger than the number of pages available.");
    return;
  }
  json list = json::array();
  for (int64_t i = (page - 1) * per_page; i < std::min(total, page * per_page); ++i) {
    list.push_back(PostJson(matched[static_cast<size_t>(i)], edit));
  }
  res.status = 200;
  res.set_header("X-WP-Total", std::to_string(total));
  res.set_header("X-WP-TotalPages", std::to_string(pages));
  res.set_content(list.dump(), "application/json; charset=UTF-8");
}

// WP_REST_Posts_Controller::delete_item: the id is checked first, then the
// permission; posts support the trash, so without force they go there once.
void FakeWordPress::HandleDeletePost(const httplib::Request& req, httplib::Response& res) {
  const int64_t id = std::stoll(req.matches[1].str());
  const bool force = req.get_param_value("force") == "true" || req.get_param_value("force") == "1";
  std::lock_guard lock(mu_);
  auto it = std::find_if(posts_.begin(), posts_.end(), [&](const Post& p) { return p.id == id; });
  if (it == posts_.end()) {
    SendError(res, 404, "rest_post_invalid_id", "Invalid post ID.");
    return;
  }
  if (!Authenticated(req)) {
    SendError(res, 401, "rest_cannot_delete", "Sorry, you are not allowed to delete this post.");
    return;
  }
  if (!can_delete_) {
    SendError(res, 403, "rest_cannot_delete", "Sorry, you are not allowed to delete this post.");
    return;
  }
  if (force) {
    json previous = PostJson(*it);
    posts_.erase(it);
    res.status = 200;
    res.set_content(json{{"deleted", true}, {"previous", previous}}.dump(),
                    "application/json; charset=UTF-8");
    return;
  }
  if (it->status == "trash") {
    SendError(res, 410, "rest_already_trashed", "The post has already been deleted.");
    return;
  }
  it->status = "trash";
  // wp_trash_post frees the slug for a new post.
  if (!it->slug.empty() && !it->slug.ends_with("__trashed")) it->slug += "__trashed";
  res.status = 200;
  res.set_content(PostJson(*it).dump(), "application/json; charset=UTF-8");
}

bool FakeWordPress::HandleCreatePost(const httplib::Request& req, httplib::Response& res) {
  if (!Authenticated(req)) {
    SendError(res, 401, "rest_cannot_create",
              "Sorry, you are not allowed to create posts as this user.");
    return false;
  }
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    SendError(res, 400, "rest_invalid_json", "Invalid JSON body passed.");
    return false;
  }
  auto text_field = [&](const char* key) -> std::optional<std::string> {
    if (!body.contains(key)) return std::string();
    const json& v = body[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("raw") && v["raw"].is_string())
      return v["raw"].get<std::string>();
    return std::nullopt;
  };
  for (const char* key : {"title", "content", "excerpt", "slug", "status"}) {
    if (!text_field(key)) {
      SendError(res, 400, "rest_invalid_param", std::string("Invalid parameter(s): ") + key,
                {{"params", {{key, std::string(key) + " is not of type string."}}}});
      return false;
    }
  }
  std::string status = body.contains("status") ? *text_field("status") : "draft";
  if (std::find(kStatuses.begin(), kStatuses.end(), status) == kStatuses.end()) {
    SendError(res, 400, "rest_invalid_param", "Invalid parameter(s): status",
              {{"params",
                {{"status",
                  "status is not one of publish, future, draft, pending, "
                  "private."}}}});
    return false;
  }
  std::vector<int64_t> categories;
  if (body.contains("categories")) {
    bool ok = body["categories"].is_array();
    if (ok) {
      for (const json& c : body["categories"]) {
        if (!c.is_number_integer()) {
          ok = false;
          break;
        }
        categories.push_back(c.get<int64_t>());
      }
    }
    if (!ok) {
      SendError(res, 400, "rest_invalid_param", "Invalid parameter(s): categories",
                {{"params", {{"categories", "categories[0] is not of type integer."}}}});
      return false;
    }
  }
  int64_t featured = 0;
  if (body.contains("featured_media")) {
    if (!body["featured_media"].is_number_integer()) {
      SendError(res, 400, "rest_invalid_param", "Invalid parameter(s): featured_media",
                {{"params", {{"featured_media", "featured_media is not of type integer."}}}});
      return false;
    }
    featured = body["featured_media"].get<int64_t>();
  }
  std::string title = *text_field("title");
  std::string content = *text_field("content");
  std::string excerpt = *text_field("excerpt");
  if (title.empty() && content.empty() && excerpt.empty()) {
    SendError(res, 400, "empty_content", "Content, title, and excerpt are empty.");
    return false;
  }

  bool can_publish;
  {
    std::lock_guard lock(mu_);
    can_publish = can_publish_;
  }
  if (IsPublicStatus(status) && !can_publish) {
    SendError(res, 403, "rest_cannot_publish",
              "Sorry, you are not allowed to publish posts in this post type.");
    return false;
  }

  // A slow site: nothing is stored until the hang is over.
  std::chrono::milliseconds hang_before{0};
  {
    std::lock_guard lock(mu_);
    if (hangs_before_create_left_ > 0) {
      --hangs_before_create_left_;
      hang_before = hang_before_create_;
      ++creates_hanging_;
    }
  }
  if (hang_before.count() > 0) {
    hang_cv_.notify_all();
    std::this_thread::sleep_for(hang_before);
    std::lock_guard lock(mu_);
    --creates_hanging_;
  }

  Post post;
  bool featured_ok = true;
  bool drop = false;
  std::chrono::milliseconds hang{0};
  int fail_status = 0;
  {
    std::lock_guard lock(mu_);
    post = InsertPostLocked(*text_field("slug"), status, title, content);
    Post& stored = posts_.back();
    stored.excerpt = excerpt;
    stored.categories = categories;
    if (featured != 0) {
      featured_ok = std::any_of(media_.begin(), media_.end(),
                                [&](const Media& m) { return m.id == featured; });
      if (featured_ok) stored.featured_media = featured;
    }
    post = stored;
    if (drops_left_ > 0) {
      --drops_left_;
      drop = true;
      hang = drop_hang_;
    } else if (fail_after_create_left_ > 0) {
      --fail_after_create_left_;
      fail_status = fail_after_create_status_;
    }
  }
  if (drop) {
    // The post exists; the client never gets a whole answer.
    if (hang.count() > 0) std::this_thread::sleep_for(hang);
    res.status = 201;
    res.set_content_provider(1024, "application/json",
                             [](size_t, size_t, httplib::DataSink&) { return false; });
    return true;
  }
  if (fail_status != 0) {
    // The post exists; what comes back is an error (a fatal error in a
    // plugin's save_post hook, a proxy's 502).
    if (fail_status == 500) {
      SendError(res, 500, "internal_server_error",
                "<p>There has been a critical error on this website.</p>");
    } else {
      res.status = fail_status;
      res.set_content("<html><body><h1>" + std::to_string(fail_status) + "</h1></body></html>",
                      "text/html");
    }
    return false;
  }
  if (!featured_ok) {
    // WordPress sets the thumbnail after inserting the post: the post stays.
    SendError(res, 400, "rest_invalid_featured_media", "Invalid featured media ID.");
    return false;
  }
  res.status = 201;
  res.set_header("Location", base_url() + kPostsRoute + "/" + std::to_string(post.id));
  res.set_content(PostJson(post).dump(), "application/json; charset=UTF-8");
  return false;
}

void FakeWordPress::HandleUploadMedia(const httplib::Request& req, httplib::Response& res) {
  if (!Authenticated(req)) {
    SendError(res, 401, "rest_cannot_create",
              "Sorry, you are not allowed to create posts as this user.");
    return;
  }
  if (req.body.empty()) {
    SendError(res, 400, "rest_upload_no_data", "No data supplied.");
    return;
  }
  std::string content_type = req.get_header_value("Content-Type");
  if (content_type.empty()) {
    SendError(res, 400, "rest_upload_no_content_type", "No Content-Type supplied.");
    return;
  }
  if (!req.has_header("Content-Disposition")) {
    SendError(res, 400, "rest_upload_no_content_disposition", "No Content-Disposition supplied.");
    return;
  }
  std::string filename = FilenameFromDisposition(req.get_header_value("Content-Disposition"));
  if (filename.empty()) {
    SendError(res, 400, "rest_upload_invalid_disposition",
              "Invalid Content-Disposition supplied. Content-Disposition needs to be formatted as "
              "`attachment; filename=\"image.png\"` or similar.");
    return;
  }
  Media m;
  {
    std::lock_guard lock(mu_);
    m.id = next_id_++;
    m.filename = filename;
    m.content_type = content_type;
    m.data = req.body;
    // wp_unique_filename: "name.png", "name-1.png", ...
    std::string stem = filename.substr(0, filename.rfind('.'));
    std::string ext =
        filename.rfind('.') == std::string::npos ? "" : filename.substr(filename.rfind('.'));
    std::string stored = filename;
    auto used = [&](const std::string& f) {
      return std::any_of(media_.begin(), media_.end(),
                         [&](const Media& x) { return x.source_url.ends_with("/" + f); });
    };
    for (int n = 1; used(stored); ++n) stored = stem + "-" + std::to_string(n) + ext;
    m.source_url = base_url() + "/wp-content/uploads/2026/12/" + stored;
    media_.push_back(m);
  }
  std::string date = WpDate();
  json answer = {
      {"id", m.id},
      {"date", date},
      {"date_gmt", date},
      {"slug", m.filename.substr(0, m.filename.rfind('.'))},
      {"status", "inherit"},
      {"type", "attachment"},
      {"link", base_url() + "/?attachment_id=" + std::to_string(m.id)},
      {"title", {{"raw", m.filename}, {"rendered", m.filename}}},
      {"author", 1},
      {"media_type", content_type.rfind("image/", 0) == 0 ? "image" : "file"},
      {"mime_type", content_type},
      {"source_url", m.source_url},
      {"media_details", {{"filesize", m.data.size()}}},
  };
  res.status = 201;
  res.set_header("Location", base_url() + kMediaRoute + "/" + std::to_string(m.id));
  res.set_content(answer.dump(), "application/json; charset=UTF-8");
}

}  // namespace loa::fakes
