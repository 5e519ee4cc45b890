using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend;

/// <summary>
/// Behind a load balancer every request comes from the balancer. When its addresses are configured,
/// the client's own address is taken from the <c>X-Forwarded-For</c> hop it added, and from nobody
/// else: a caller cannot name itself someone else by sending the header directly.
/// </summary>
public static class TrustedProxies
{
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app)
    {
        var frontend = app.ApplicationServices.GetService<IOptions<FrontendOptions>>()?.Value;
        if (frontend is not { TrustedProxies.Count: > 0 })
        {
            return app;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = 1 };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        foreach (var proxy in frontend.TrustedProxies)
        {
            if (IPAddress.TryParse(proxy, out var address))
            {
                options.KnownProxies.Add(address);
            }
            else
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
            }
        }

        return app.UseForwardedHeaders(options);
    }
}
