-- wrk: GET /v1/customers/{id} over random customers of the 100,000-customer dataset.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/v1/customers/cust-%07d", math.random(0, 99999)))
end
