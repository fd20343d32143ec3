#include "connectors/http_body.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include "core/schema.h"

namespace sluice::connectors {

BodyCodec ParseContentEncoding(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || EqualsIgnoreCase(v, "identity")) return BodyCodec::kIdentity;
  if (EqualsIgnoreCase(v, "gzip") || EqualsIgnoreCase(v, "x-gzip")) return BodyCodec::kGzip;
  if (EqualsIgnoreCase(v, "zstd")) return BodyCodec::kZstd;
  return BodyCodec::kUnsupported;
}

namespace {

Status Gunzip(std::string_view in, int64_t limit, std::string* out) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out->clear();
  char chunk[64 << 10];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::Invalid(std::string("the gzip body is not valid: ") +
                             (zs.msg ? zs.msg : (rc == Z_BUF_ERROR ? "truncated" : "bad data")));
    }
    out->append(chunk, sizeof(chunk) - zs.avail_out);
    if (static_cast<int64_t>(out->size()) > limit) {
      inflateEnd(&zs);
      return Status::OutOfRange("decompressed body is larger than " + std::to_string(limit));
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Status::Invalid("the gzip body is not valid: truncated");
    }
  }
  inflateEnd(&zs);
  return Status::OK();
}

Status Unzstd(std::string_view in, int64_t limit, std::string* out) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  if (ctx == nullptr) return Status::Internal("zstd init failed");
  out->clear();
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  char chunk[64 << 10];
  size_t last = 1;
  while (ib.pos < ib.size) {
    ZSTD_outBuffer ob{chunk, sizeof(chunk), 0};
    last = ZSTD_decompressStream(ctx, &ob, &ib);
    if (ZSTD_isError(last)) {
      ZSTD_freeDCtx(ctx);
      return Status::Invalid(std::string("the zstd body is not valid: ") + ZSTD_getErrorName(last));
    }
    out->append(chunk, ob.pos);
    if (static_cast<int64_t>(out->size()) > limit) {
      ZSTD_freeDCtx(ctx);
      return Status::OutOfRange("decompressed body is larger than " + std::to_string(limit));
    }
  }
  // Drain what the decoder still holds.
  while (last != 0) {
    ZSTD_outBuffer ob{chunk, sizeof(chunk), 0};
    last = ZSTD_decompressStream(ctx, &ob, &ib);
    if (ZSTD_isError(last) || ob.pos == 0) break;
    out->append(chunk, ob.pos);
    if (static_cast<int64_t>(out->size()) > limit) {
      ZSTD_freeDCtx(ctx);
      return Status::OutOfRange("decompressed body is larger than " + std::to_string(limit));
    }
  }
  ZSTD_freeDCtx(ctx);
  if (last != 0) return Status::Invalid("the zstd body is not valid: truncated frame");
  return Status::OK();
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Scans one JSON value from body[i]: returns the end (exclusive). In an array an element
// ends at a ',' or ']' at depth 0; otherwise at the end of a top-level {...}/[...] or,
// for a scalar or garbage, at the end of the line. *closed is false when the text ended
// inside a string or structure; *control is set for a raw control character in a string.
size_t ScanValue(std::string_view body, size_t i, bool in_array, bool* closed, bool* control) {
  const size_t n = body.size();
  int depth = 0;
  bool in_str = false;
  *closed = false;
  *control = false;
  for (; i < n; ++i) {
    const char c = body[i];
    if (in_str) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_str = false;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        *control = true;
      }
      continue;
    }
    if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) {
        if (in_array) return (*closed = true, i);
        continue;
      }
      if (--depth == 0 && !in_array) return (*closed = true, i + 1);
    } else if (depth == 0 && (in_array ? c == ',' : c == '\n')) {
      return (*closed = true, i);
    }
  }
  *closed = !in_str && depth == 0 && !in_array;
  return n;
}

// Appends one value as a line (line breaks outside strings become spaces).
void AppendLine(std::string_view v, std::string* out) {
  const size_t at = out->size();
  out->append(v);
  for (size_t k = at; k < out->size(); ++k) {
    if ((*out)[k] == '\n' || (*out)[k] == '\r') (*out)[k] = ' ';
  }
  out->push_back('\n');
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && IsSpace(v.front())) v.remove_prefix(1);
  while (!v.empty() && IsSpace(v.back())) v.remove_suffix(1);
  return v;
}

// Values one after another (NDJSON that is not one value per line, pretty-printed JSON).
void SplitValueStream(std::string_view body, std::string* out, int64_t* records,
                      std::vector<SplitError>* errors) {
  size_t i = 0;
  while (true) {
    while (i < body.size() && IsSpace(body[i])) ++i;
    if (i >= body.size()) break;
    bool closed = false, control = false;
    const size_t end = ScanValue(body, i, false, &closed, &control);
    const std::string_view v = Trim(body.substr(i, end - i));
    if (control) {
      errors->push_back({*records, std::string(v.substr(0, 4096)),
                         "invalid JSON: a raw control character (such as a line break) "
                         "inside a string; escape it (\\n)"});
      out->append("0\n");
    } else {
      AppendLine(v, out);
    }
    ++*records;
    i = end;
  }
}

}  // namespace

Status Decompress(BodyCodec codec, std::string_view in, int64_t limit, std::string* out) {
  switch (codec) {
    case BodyCodec::kGzip: return Gunzip(in, limit, out);
    case BodyCodec::kZstd: return Unzstd(in, limit, out);
    case BodyCodec::kIdentity: out->assign(in); return Status::OK();
    case BodyCodec::kUnsupported: break;
  }
  return Status::NotImplemented("unsupported content encoding");
}

Status SplitJsonBody(std::string_view body, std::string* scratch, std::string_view* ndjson,
                     int64_t* records, std::vector<SplitError>* errors) {
  scratch->clear();
  *records = 0;
  size_t i = 0;
  while (i < body.size() && IsSpace(body[i])) ++i;
  if (i < body.size() && body[i] == '[') {
    ++i;
    while (i < body.size() && IsSpace(body[i])) ++i;
    if (i < body.size() && body[i] == ']') {
      ++i;
    } else {
      while (true) {
        bool closed = false, control = false;
        const size_t end = ScanValue(body, i, true, &closed, &control);
        if (!closed) {
          return Status::Invalid("the body is not valid JSON: the array starting at byte 0 "
                                 "is not closed (missing ']' or an unterminated string)");
        }
        const std::string_view v = Trim(body.substr(i, end - i));
        if (v.empty() || control) {
          errors->push_back({*records, std::string(v.substr(0, 4096)),
                             v.empty() ? "empty array element (two commas in a row, or a "
                                         "trailing comma)"
                                       : "invalid JSON: a raw control character inside a "
                                         "string; escape it (\\n)"});
          scratch->append("0\n");
        } else {
          AppendLine(v, scratch);
        }
        ++*records;
        i = end + 1;
        if (body[end] == ']') break;
      }
    }
    while (i < body.size() && IsSpace(body[i])) ++i;
    if (i != body.size()) {
      return Status::Invalid("the body is not valid JSON: text after the array at byte " +
                             std::to_string(i) + "; send one array, NDJSON, or one object");
    }
    *ndjson = *scratch;
    return Status::OK();
  }
  // NDJSON when the first non-blank line is a whole value; otherwise a stream of values.
  const size_t nl = body.find('\n', i);
  const std::string_view first = body.substr(i, (nl == std::string_view::npos ? body.size() : nl) - i);
  bool closed = false, control = false;
  const size_t end = ScanValue(first, 0, false, &closed, &control);
  if (!first.empty() && (!closed || !Trim(first.substr(end)).empty())) {
    SplitValueStream(body, scratch, records, errors);
    *ndjson = *scratch;
    return Status::OK();
  }
  // NDJSON: count records; compact when there are blank lines (indexes skip them).
  bool blank = false;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t e = body.find('\n', pos);
    if (e == std::string_view::npos) e = body.size();
    if (Trim(body.substr(pos, e - pos)).empty()) {
      if (e < body.size() || pos < e) blank = true;
    } else {
      ++*records;
    }
    pos = e + 1;
  }
  if (!blank) {
    *ndjson = body;
    return Status::OK();
  }
  pos = 0;
  while (pos < body.size()) {
    size_t e = body.find('\n', pos);
    if (e == std::string_view::npos) e = body.size();
    const std::string_view line = body.substr(pos, e - pos);
    if (!Trim(line).empty()) {
      scratch->append(line);
      scratch->push_back('\n');
    }
    pos = e + 1;
  }
  *ndjson = *scratch;
  return Status::OK();
}

}  // namespace sluice::connectors
