// Include Asio through this header only: Boost 1.74's awaitable.hpp uses
// std::exchange without including <utility>, which GCC 12 in C++20 rejects.
#pragma once

#include <utility>

#include <boost/asio.hpp>

namespace asio = boost::asio;
