function Read-AlteryxNativeCredential {
    <#
    .SYNOPSIS
        The module's single seam to Windows Credential Manager: Win32 CredReadW of one generic credential.
    .DESCRIPTION
        Compiles (once per session, with Add-Type) a small wrapper around advapi32 CredReadW / CredFree
        and reads the credential stored under -Target for the current user. Returns a hashtable:
          ErrorCode  0 on success, else the Win32 error (1168 ERROR_NOT_FOUND: no such credential;
                     1312 ERROR_NO_SUCH_LOGON_SESSION: no credential store in this logon session)
          UserName   the stored user name ($null when none)
          Password   the stored secret as a read-only SecureString ($null on error)
        The secret goes from the unmanaged buffer into the SecureString character by character and never
        becomes a .NET string. Only generic credentials (CRED_TYPE_GENERIC, what `cmdkey /generic:` and
        the "Generic Credentials" part of Credential Manager create) hold a readable secret.
        Every caller goes through this function so that Pester mocks it on any platform. On a system
        other than Windows it throws System.PlatformNotSupportedException (after compiling the wrapper,
        which is how the tests check that it compiles).
    .PARAMETER Target
        The credential's target name (Internet or network address), e.g. AlteryxBackup/MongoDB.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Target
    )

    if (-not ('AlteryxBackup.NativeCredential' -as [type])) {
        Add-Type -Language CSharp -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
using System.Security;

namespace AlteryxBackup
{
    public static class NativeCredential
    {
        public const int CRED_TYPE_GENERIC = 1;

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        private struct CREDENTIAL
        {
            public int Flags;
            public int Type;
            public IntPtr TargetName;
            public IntPtr Comment;
            public System.Runtime.InteropServices.ComTypes.FILETIME LastWritten;
            public int CredentialBlobSize;
            public IntPtr CredentialBlob;
            public int Persist;
            public int AttributeCount;
            public IntPtr Attributes;
            public IntPtr TargetAlias;
            public IntPtr UserName;
        }

        [DllImport("advapi32.dll", EntryPoint = "CredReadW", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern bool CredRead(string target, int type, int reservedFlag, out IntPtr credential);

        [DllImport("advapi32.dll", EntryPoint = "CredFree")]
        private static extern void CredFree(IntPtr buffer);

        // Returns 0 and the user name and secret, or the Win32 error code.
        public static int Read(string target, int type, out string userName, out SecureString secret)
        {
            userName = null;
            secret = null;
            IntPtr p;
            if (!CredRead(target, type, 0, out p)) return Marshal.GetLastWin32Error();
            try
            {
                CREDENTIAL c = (CREDENTIAL)Marshal.PtrToStructure(p, typeof(CREDENTIAL));
                userName = c.UserName == IntPtr.Zero ? null : Marshal.PtrToStringUni(c.UserName);
                SecureString s = new SecureString();
                if (c.CredentialBlob != IntPtr.Zero && c.CredentialBlobSize > 0)
                {
                    if (c.CredentialBlobSize % 2 == 0)
                    {
                        // UTF-16, as cmdkey and Credential Manager store it.
                        for (int i = 0; i < c.CredentialBlobSize / 2; i++) s.AppendChar((char)Marshal.ReadInt16(c.CredentialBlob, i * 2));
                    }
                    else
                    {
                        // An odd size is UTF-8 (written by other tools).
                        byte[] bytes = new byte[c.CredentialBlobSize];
                        Marshal.Copy(c.CredentialBlob, bytes, 0, bytes.Length);
                        char[] chars = System.Text.Encoding.UTF8.GetChars(bytes);
                        foreach (char ch in chars) s.AppendChar(ch);
                        Array.Clear(bytes, 0, bytes.Length);
                        Array.Clear(chars, 0, chars.Length);
                    }
                }
                s.MakeReadOnly();
                secret = s;
                return 0;
            }
            finally
            {
                CredFree(p);
            }
        }
    }
}
'@
    }

    if ([System.Environment]::OSVersion.Platform -ne [System.PlatformID]::Win32NT) {
        throw (New-Object System.PlatformNotSupportedException 'Windows Credential Manager exists only on Windows.')
    }

    $userName = $null
    $secret = $null
    $code = [AlteryxBackup.NativeCredential]::Read($Target, [AlteryxBackup.NativeCredential]::CRED_TYPE_GENERIC, [ref]$userName, [ref]$secret)
    @{
        ErrorCode = [int]$code
        UserName  = $userName
        Password  = $secret
    }
}
