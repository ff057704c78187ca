function New-AlteryxBackupRequest {
    <#
    .SYNOPSIS
        Builds the bridge request (see docs/bridge.md) from a cmdlet's $PSBoundParameters.
    .DESCRIPTION
        Returns an ordered dictionary { command, params, secrets, dryRun, verbose }:
        - params: exactly the bound parameters, under their PowerShell names; switches become plain
          booleans ([bool]$x.IsPresent), PSObject wrappers are removed (Windows PowerShell 5.1's
          ConvertTo-Json would otherwise serialise the extra properties of e.g. Get-Content strings);
          common parameters (Verbose, Debug, ErrorAction, WhatIf, Confirm, ...), NodePath and the names
          in -Exclude are dropped.
        - secrets: SecureString parameters under their own name; a PSCredential parameter <X>Credential
          becomes params.<X>Username plus secrets.<X>Password (MongoCredential -> MongoUsername +
          MongoPassword). Secrets stay SecureStrings here; ConvertTo-AlteryxBackupRequestJson decodes them
          just before the request is written to Node's stdin.
        - secrets also get the keys of the cloud destinations' CredentialTarget entries (Windows Credential
          Manager, Get-AlteryxCloudCredentialSecret) when the command reaches the cloud: every backup, and
          verify / restore / drill / list given an s3:// or azblob:// URL, -Destination or -Latest.
        - dryRun: -DryRun (the cmdlet's -WhatIf).
        - verbose: true when -Verbose was given (or, when not bound, when $VerbosePreference shows
          verbose output).
    .PARAMETER Command
        The Node command (backup, sandbox-create, ...).
    .PARAMETER BoundParameters
        The cmdlet's $PSBoundParameters (or a dictionary shaped like it).
    .PARAMETER Exclude
        More parameter names to leave out.
    .PARAMETER DryRun
        Sets dryRun to true.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory = $true)]
        [string] $Command,

        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [System.Collections.IDictionary] $BoundParameters,

        [string[]] $Exclude = @(),

        [switch] $DryRun
    )

    $dropped = @(
        'Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction',
        'ErrorVariable', 'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer',
        'PipelineVariable', 'WhatIf', 'Confirm', 'UseTransaction', 'NodePath'
    ) + $Exclude

    $params = [ordered]@{}
    $secrets = [ordered]@{}

    foreach ($name in @($BoundParameters.Keys)) {
        if ($dropped -contains $name) { continue }
        $value = $BoundParameters[$name]
        if ($null -ne $value) { $value = $value.PSObject.BaseObject }

        if ($value -is [System.Management.Automation.SwitchParameter]) {
            $params[$name] = [bool]$value.IsPresent
        }
        elseif ($value -is [System.Security.SecureString]) {
            $secrets[$name] = $value
        }
        elseif ($value -is [System.Management.Automation.PSCredential]) {
            $stem = $name
            if ($stem -like '*Credential') { $stem = $stem.Substring(0, $stem.Length - 'Credential'.Length) }
            $params["${stem}Username"] = [string]$value.UserName
            $secrets["${stem}Password"] = $value.Password
        }
        elseif ($value -is [string]) {
            $params[$name] = [string]$value
        }
        elseif ($value -is [System.Collections.IDictionary]) {
            $params[$name] = $value
        }
        elseif ($value -is [System.Collections.IEnumerable]) {
            # string[] and friends: keep an array (even of one element), unwrap every item.
            $items = New-Object System.Collections.Generic.List[object]
            foreach ($item in $value) {
                if ($null -ne $item) { $item = $item.PSObject.BaseObject }
                $items.Add($item)
            }
            $params[$name] = $items.ToArray()
        }
        else {
            $params[$name] = $value
        }
    }

    # Cloud destinations with a CredentialTarget (docs/storage.md): their stored keys join the secrets (stdin
    # only) for the commands that reach a bucket/container; a secret given explicitly wins.
    if (Test-AlteryxBackupCloudUse -Command $Command -Params $params) {
        $cloud = Get-AlteryxCloudCredentialSecret -ConfigPath ([string]$params['ConfigPath'])
        foreach ($key in @($cloud.Keys)) { if (-not $secrets.Contains($key)) { $secrets[$key] = $cloud[$key] } }
    }

    $verbose = $false
    if ($BoundParameters.Contains('Verbose')) {
        $verbose = [bool]$BoundParameters['Verbose']
    }
    elseif (@('Continue', 'Inquire', 'Stop') -contains [string]$VerbosePreference) {
        $verbose = $true
    }

    [ordered]@{
        command = $Command
        params  = $params
        secrets = $secrets
        dryRun  = [bool]$DryRun.IsPresent
        verbose = $verbose
    }
}
