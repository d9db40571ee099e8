// OpenGL 3.3 core entry points. Linux's libGL exports every core function,
// so prototypes are enough and the app needs no loader library.
#pragma once

#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/glcorearb.h>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
