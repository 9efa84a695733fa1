#include <minidl/io/zip_archive.hpp>

#include <minidl/core/allocator.hpp>
#include <minidl/core/errors.hpp>

#include <ctime>
#include <fmt/format.h>
#include <memory>
#include <zip.h>

namespace minidl::io {

namespace {

// The most members a model archive may list; Keras writes three.
constexpr zip_int64_t largest_member_count = 4096;

struct ArchiveCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct FileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

[[noreturn]] void invalid(const std::string& source, const std::string& why) {
  throw InvalidArgument(fmt::format("{} is not a valid zip archive: {}", source, why));
}

[[noreturn]] void cannot_write(const std::string& why) { throw InvalidArgument(fmt::format("write_zip: {}", why)); }

std::string error_text(zip_error_t& error) {
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

}  // namespace

std::vector<ZipMember> read_zip(const std::string& bytes, const std::string& source) {
  const auto fail = [&](const std::string& why) { invalid(source, why); };
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* data = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!data) fail(error_text(error));
  std::unique_ptr<zip_t, ArchiveCloser> archive(zip_open_from_source(data, ZIP_RDONLY | ZIP_CHECKCONS, &error));
  if (!archive) {
    zip_source_free(data);
    fail(error_text(error));
  }
  zip_error_fini(&error);
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  if (count < 0 || count > largest_member_count)
    fail(fmt::format("it lists {} members (at most {} are read)", count, largest_member_count));
  std::vector<ZipMember> members;
  for (zip_int64_t index = 0; index < count; ++index) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive.get(), zip_uint64_t(index), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME) ||
        !(stat.valid & ZIP_STAT_SIZE))
      fail(fmt::format("member {} cannot be read: {}", index, zip_strerror(archive.get())));
    if (stat.size > allocation_limit())
      throw MemoryError(fmt::format("{}: member '{}' holds {} bytes, over the allocation limit of {} bytes", source, stat.name,
                                    stat.size, allocation_limit()));
    std::unique_ptr<zip_file_t, FileCloser> file(zip_fopen_index(archive.get(), zip_uint64_t(index), 0));
    if (!file) fail(fmt::format("member '{}' cannot be opened: {}", stat.name, zip_strerror(archive.get())));
    ZipMember member{stat.name, std::string(stat.size, '\0')};
    zip_uint64_t done = 0;
    while (done < stat.size) {
      const zip_int64_t read = zip_fread(file.get(), member.bytes.data() + done, stat.size - done);
      if (read <= 0) fail(fmt::format("member '{}' is damaged: {}", stat.name, zip_file_strerror(file.get())));
      done += zip_uint64_t(read);
    }
    // The end of the data checks its CRC.
    char beyond;
    if (zip_fread(file.get(), &beyond, 1) != 0) fail(fmt::format("member '{}' is damaged: {}", stat.name, zip_file_strerror(file.get())));
    members.push_back(std::move(member));
  }
  return members;
}

std::string write_zip(const std::vector<ZipMember>& members) {
  const auto fail = [](const std::string& why) { cannot_write(why); };
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!buffer) fail(error_text(error));
  zip_source_keep(buffer);  // read back after the archive closes
  std::unique_ptr<zip_source_t, decltype(&zip_source_free)> output(buffer, &zip_source_free);
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (!archive) fail(error_text(error));
  zip_error_fini(&error);
  // 1980-01-01 00:00, the zip format's first date, in local time as zip dates are.
  std::tm first_day{};
  first_day.tm_year = 80;
  first_day.tm_mday = 1;
  first_day.tm_isdst = -1;
  const std::time_t dated = std::mktime(&first_day);
  for (const auto& member : members) {
    zip_source_t* content = zip_source_buffer(archive, member.bytes.data(), member.bytes.size(), 0);
    const zip_int64_t index = content ? zip_file_add(archive, member.name.c_str(), content, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (content) zip_source_free(content);
      const std::string why = zip_strerror(archive);
      zip_discard(archive);
      fail(fmt::format("cannot add '{}': {}", member.name, why));
    }
    if (zip_set_file_compression(archive, zip_uint64_t(index), ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_mtime(archive, zip_uint64_t(index), dated, 0) != 0) {
      const std::string why = zip_strerror(archive);
      zip_discard(archive);
      fail(why);
    }
  }
  if (zip_close(archive) != 0) {
    const std::string why = zip_strerror(archive);
    zip_discard(archive);
    fail(why);
  }
  zip_stat_t stat;
  if (zip_source_stat(buffer, &stat) != 0 || zip_source_open(buffer) != 0) fail("cannot read the archive back");
  std::string bytes(stat.size, '\0');
  const zip_int64_t read = zip_source_read(buffer, bytes.data(), stat.size);
  zip_source_close(buffer);
  if (read != zip_int64_t(stat.size)) fail("cannot read the archive back");
  return bytes;
}

}  // namespace minidl::io
