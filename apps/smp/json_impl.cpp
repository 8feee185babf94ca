// Boost.JSON is compiled into this executable here, once.
#include <boost/json/src.hpp>
