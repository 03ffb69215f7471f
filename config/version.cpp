#include "config/version.hpp"
