#version 330 core
// A quad over one panel's rectangle, made from gl_VertexID (no vertex
// buffer): each corner carries the image texel coordinate it shows, so zoom
// and pan are just different corner coordinates.

uniform vec4 u_rect;     // x0, y0, x1, y1 in framebuffer pixels, y down
uniform vec2 u_viewport; // framebuffer size in pixels
uniform vec4 u_texels;   // image texel coordinates at the corners (x0, y0) and (x1, y1)

out vec2 v_texel;

void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)); // triangle strip
  vec2 pixel = mix(u_rect.xy, u_rect.zw, corner);
  v_texel = mix(u_texels.xy, u_texels.zw, corner);
  vec2 ndc = pixel / u_viewport * 2.0 - 1.0;
  gl_Position = vec4(ndc.x, -ndc.y, 0.0, 1.0);
}
