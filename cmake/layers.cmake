# The core's layers, lowest first: a file in one layer includes headers of its
# own layer and the ones before it, never of a later one. core/CMakeLists.txt
# builds one library per layer in this order and cmake/check_layers.cmake
# (the layer_check test) enforces it. The apps (app/cli, app/studio) sit above
# every layer.
set(MAE_CORE_LAYERS base formats runtime model checkpoint fetch data eval dist train)
