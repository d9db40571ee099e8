# Writes OUT, a C++ file defining mae::builtin_model_configs(): every
# DIR/*.json as a (name, text) pair. Run at build time with cmake -P.
file(GLOB files ${DIR}/*.json)
list(SORT files)
set(body "")
foreach(f ${files})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} text)
  string(APPEND body "      {\"${name}\", R\"MAEJSON(${text})MAEJSON\"},\n")
endforeach()
file(WRITE ${OUT}.tmp
"// Generated from configs/models/*.json by cmake/embed_configs.cmake.\n#include <string>\n#include <utility>\n#include <vector>\n\nnamespace mae {\n\nconst std::vector<std::pair<std::string, std::string>>& builtin_model_configs() {\n  static const std::vector<std::pair<std::string, std::string>> configs = {\n${body}  };\n  return configs;\n}\n\n} // namespace mae\n")
configure_file(${OUT}.tmp ${OUT} COPYONLY)
