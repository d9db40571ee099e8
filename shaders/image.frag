#version 330 core
// One panel in the image's texel space: the picture, or the per-patch error
// heatmap; then the tint over removed patches and the patch grid. Everything
// is computed per fragment, so the grid stays one screen pixel wide at any
// zoom.

in vec2 v_texel;
out vec4 frag_color;

uniform sampler2D u_image;  // RGB (grey textures are swizzled to RGB)
uniform sampler2D u_mask;   // grid_w x grid_h, red > 0 where a patch was removed
uniform sampler2D u_values; // grid_w x grid_h per-patch values for the heatmap

uniform int u_mode;         // 0 picture, 1 heatmap
uniform vec2 u_image_size;  // texels
uniform vec2 u_grid;        // patches across and down
uniform bool u_nearest;     // magnified: show crisp texels instead of interpolating
uniform float u_pixels_per_texel;
uniform bool u_show_grid;
uniform bool u_tint;
uniform vec4 u_tint_color;  // rgb, and how much of it covers a removed patch
uniform float u_value_max;  // heatmap value at the top of the colour map
uniform vec3 u_background;  // outside the image

vec3 colormap(float t); // colormap.glsl

void main() {
  if (any(lessThan(v_texel, vec2(0.0))) || any(greaterThanEqual(v_texel, u_image_size))) {
    frag_color = vec4(u_background, 1.0);
    return;
  }
  vec2 cell_size = u_image_size / u_grid;
  ivec2 cell = ivec2(floor(v_texel / cell_size));

  vec3 color;
  if (u_mode == 1) {
    float value = texelFetch(u_values, cell, 0).r;
    // Below 0: a patch with no value to show (a visible one), grey.
    color = value < 0.0 ? vec3(0.32) : colormap(value / max(u_value_max, 1e-8));
  } else if (u_nearest) {
    color = texelFetch(u_image, ivec2(floor(v_texel)), 0).rgb;
  } else {
    color = texture(u_image, v_texel / u_image_size).rgb;
  }

  if (u_tint && texelFetch(u_mask, cell, 0).r > 0.0)
    color = mix(color, u_tint_color.rgb, u_tint_color.a);

  if (u_show_grid) {
    // Distance to the nearest patch edge, in screen pixels.
    vec2 f = v_texel / cell_size;
    vec2 d = abs(f - round(f)) * cell_size * u_pixels_per_texel;
    if (min(d.x, d.y) < 0.5)
      color = mix(color, vec3(1.0), 0.6);
  }
  frag_color = vec4(color, 1.0);
}
